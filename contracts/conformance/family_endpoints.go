// The endpoints family: DingTalk endpoints and their at-persons are
// created, queried (with ZStack's q= conditions), updated and deleted as
// ZStack's APIs do.

package conformance

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// inventoryAnswer is {"inventory":{…}} of a create or update.
type inventoryAnswer struct {
	Inventory endpointInventory `json:"inventory"`
}

// inventoriesAnswer is {"inventories":[…]} of a query.
type inventoriesAnswer struct {
	Inventories []endpointInventory `json:"inventories"`
	Total       *int                `json:"total"`
}

// endpointInventory is the part of an endpoint (or at-person) inventory the
// rules read.
type endpointInventory struct {
	UUID                 string   `json:"uuid"`
	Name                 string   `json:"name"`
	Description          string   `json:"description"`
	URL                  string   `json:"url"`
	AtAll                bool     `json:"atAll"`
	AtPersonPhoneNumbers []string `json:"atPersonPhoneNumbers"`
	PhoneNumber          string   `json:"phoneNumber"`
	EndpointUUID         string   `json:"endpointUuid"`
	Remark               string   `json:"remark"`
}

func uuids(invs []endpointInventory) []string {
	out := make([]string, len(invs))
	for i, v := range invs {
		out[i] = v.UUID
	}
	slices.Sort(out)
	return out
}

// endpointBody is a create body named after the rule, with params added.
func endpointBody(what string, params map[string]any) map[string]any {
	p := map[string]any{"name": "conformance " + what + " " + randomHex(4)}
	for k, v := range params {
		p[k] = v
	}
	return map[string]any{"params": p, "systemTags": []string{}, "userTags": []string{}}
}

// createEndpoint stores an endpoint and returns its uuid.
func (h *Harness) createEndpoint(ctx context.Context, params map[string]any) (string, error) {
	var inv inventoryAnswer
	a, err := h.call200(ctx, "create a DingTalk endpoint", http.MethodPost, PathEndpoints, endpointBody("endpoint", params), &inv)
	if err != nil {
		return "", err
	}
	if !uuidPattern.MatchString(inv.Inventory.UUID) {
		return "", fmt.Errorf("the created endpoint's uuid %q is not 32 hex digits: %s", inv.Inventory.UUID, a.Describe())
	}
	return inv.Inventory.UUID, nil
}

// newEndpoint creates an unsigned robot and an endpoint on its webhook,
// with params besides the url; the caller defers h.deleteEndpoint.
func (h *Harness) newEndpoint(ctx context.Context, params map[string]any) (Robot, string, error) {
	robot, err := h.NewRobot(false)
	if err != nil {
		return Robot{}, "", err
	}
	p := map[string]any{"url": robot.Webhook}
	maps.Copy(p, params)
	uuid, err := h.createEndpoint(ctx, p)
	return robot, uuid, err
}

// deleteEndpoint removes an endpoint a rule created, ignoring failures.
func (h *Harness) deleteEndpoint(ctx context.Context, uuid string) {
	_, _ = h.Call(context.WithoutCancel(ctx), http.MethodDelete, PathAnyEndpoint+"/"+uuid, nil)
}

// query runs a query and returns its inventories.
func (h *Harness) query(ctx context.Context, path string) (inventoriesAnswer, error) {
	var out inventoriesAnswer
	_, err := h.call200(ctx, "query", http.MethodGet, path, nil, &out)
	return out, err
}

func endpointRules() []Rule {
	return []Rule{
		{
			ID: "endpoints.create-and-query", Family: FamilyEndpoints, Level: Must, Source: SrcZStackCRUD,
			Text:  "a created endpoint answers {inventory} with its uuid, name, description, url and atAll, and is found by uuid (DingTalk and generic queries)",
			Check: checkCreateAndQuery,
		},
		{
			ID: "endpoints.query-conditions", Family: FamilyEndpoints, Level: Must, Source: SrcZStackQuery,
			Text:  "queries honour q= conditions (=, !=, ?= in, ~= like), limit and replyWithCount",
			Check: checkQueryConditions,
		},
		{
			ID: "endpoints.update", Family: FamilyEndpoints, Level: Must, Source: SrcZStackCRUD,
			Text:  "updateSNSDingTalkEndpoint changes name, description and atAll, in its answer and in later queries",
			Check: checkUpdate,
		},
		{
			ID: "endpoints.delete", Family: FamilyEndpoints, Level: Must, Source: SrcZStackCRUD,
			Text:  "a deleted endpoint is gone: queries no longer find it and test-connection with its uuid is refused with SYS.1003",
			Check: checkDelete,
		},
		{
			ID: "endpoints.at-persons", Family: FamilyEndpoints, Level: Must, Source: SrcZStackCRUD,
			Text:  "an at-person is added, found (by condition and in its endpoint's atPersonPhoneNumbers), updated and removed",
			Check: checkAtPersons,
		},
		{
			ID: "endpoints.at-person-validation", Family: FamilyEndpoints, Level: Must, Source: "ZStack AddSNSDingTalkAtPerson: format +86-12388889999, duplicates refused (SYS.1007)",
			Text:  "an at-person whose phone number is off ZStack's format, or already on the endpoint, is refused with SYS.1007",
			Check: checkAtPersonValidation,
		},
	}
}

func checkCreateAndQuery(ctx context.Context, h *Harness) error {
	robot, err := h.NewRobot(false)
	if err != nil {
		return err
	}
	body := endpointBody("create", map[string]any{"description": "created by the conformance harness", "url": robot.Webhook, "atAll": true})
	want := body["params"].(map[string]any)
	var inv inventoryAnswer
	a, err := h.call200(ctx, "create a DingTalk endpoint", http.MethodPost, PathEndpoints, body, &inv)
	if err != nil {
		return err
	}
	got := inv.Inventory
	if !uuidPattern.MatchString(got.UUID) {
		return fmt.Errorf("the created endpoint's uuid %q is not 32 hex digits: %s", got.UUID, a.Describe())
	}
	defer h.deleteEndpoint(ctx, got.UUID)
	same := func(where string, e endpointInventory) error {
		if e.UUID != got.UUID || e.Name != want["name"] || e.Description != want["description"] || e.URL != robot.Webhook || !e.AtAll {
			return fmt.Errorf("%s does not hold what was created (name %q, description %q, url, atAll true): %+v", where, want["name"], want["description"], e)
		}
		return nil
	}
	if err := same("the create answer's inventory", got); err != nil {
		return err
	}
	for _, p := range []string{PathEndpoints + "/" + got.UUID, PathEndpoints + "?q=uuid=" + got.UUID} {
		q, err := h.query(ctx, p)
		if err != nil {
			return err
		}
		if len(q.Inventories) != 1 {
			return fmt.Errorf("GET %s found %d endpoints; expected exactly the one created", p, len(q.Inventories))
		}
		if err := same("GET "+p, q.Inventories[0]); err != nil {
			return err
		}
	}
	q, err := h.query(ctx, PathAnyEndpoint+"/"+got.UUID)
	if err != nil {
		return err
	}
	if len(q.Inventories) != 1 || q.Inventories[0].UUID != got.UUID {
		return fmt.Errorf("the generic query GET %s/%s found %v; expected the endpoint created", PathAnyEndpoint, got.UUID, uuids(q.Inventories))
	}
	return nil
}

func checkQueryConditions(ctx context.Context, h *Harness) error {
	robot, err := h.NewRobot(false)
	if err != nil {
		return err
	}
	prefix := "conformance-q-" + randomHex(4)
	nameA, nameB := prefix+"-a", prefix+"-b"
	a, err := h.createEndpoint(ctx, map[string]any{"name": nameA, "url": robot.Webhook})
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, a)
	b, err := h.createEndpoint(ctx, map[string]any{"name": nameB, "url": robot.Webhook})
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, b)
	both := []string{a, b}
	slices.Sort(both)
	like := "q=" + url.QueryEscape("name~="+prefix+"%")
	cases := []struct {
		query string
		want  []string
	}{
		{"q=" + url.QueryEscape("name="+nameA), []string{a}},
		{"q=" + url.QueryEscape("name?="+nameA+","+nameB), both},
		{like, both},
		{like + "&q=" + url.QueryEscape("name!="+nameA), []string{b}},
	}
	for _, c := range cases {
		q, err := h.query(ctx, PathEndpoints+"?"+c.query)
		if err != nil {
			return err
		}
		if got := uuids(q.Inventories); !slices.Equal(got, c.want) {
			return fmt.Errorf("GET %s?%s found %v; expected %v", PathEndpoints, c.query, got, c.want)
		}
	}
	q, err := h.query(ctx, PathEndpoints+"?"+like+"&limit=1")
	if err != nil {
		return err
	}
	if len(q.Inventories) != 1 {
		return fmt.Errorf("limit=1 answered %d endpoints", len(q.Inventories))
	}
	q, err = h.query(ctx, PathEndpoints+"?"+like+"&replyWithCount=true")
	if err != nil {
		return err
	}
	if q.Total == nil || *q.Total != 2 {
		return fmt.Errorf("replyWithCount=true gave total %v for 2 matching endpoints", q.Total)
	}
	return nil
}

func checkUpdate(ctx context.Context, h *Harness) error {
	_, uuid, err := h.newEndpoint(ctx, map[string]any{"atAll": false})
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, uuid)
	name := "conformance renamed " + randomHex(4)
	var inv inventoryAnswer
	if _, err := h.call200(ctx, "update the endpoint", http.MethodPut, PathEndpoints+"/"+uuid+"/actions",
		map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"name": name, "description": "updated", "atAll": true}}, &inv); err != nil {
		return err
	}
	check := func(where string, e endpointInventory) error {
		if e.UUID != uuid || e.Name != name || e.Description != "updated" || !e.AtAll {
			return fmt.Errorf("%s does not show the update (name %q, description \"updated\", atAll true): %+v", where, name, e)
		}
		return nil
	}
	if err := check("the update answer", inv.Inventory); err != nil {
		return err
	}
	q, err := h.query(ctx, PathEndpoints+"/"+uuid)
	if err != nil {
		return err
	}
	if len(q.Inventories) != 1 {
		return fmt.Errorf("the updated endpoint is not found by uuid (%d found)", len(q.Inventories))
	}
	return check("a query after the update", q.Inventories[0])
}

func checkDelete(ctx context.Context, h *Harness) error {
	robot, uuid, err := h.newEndpoint(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := h.call200(ctx, "delete the endpoint", http.MethodDelete, PathAnyEndpoint+"/"+uuid, nil, nil); err != nil {
		return err
	}
	for _, p := range []string{PathEndpoints + "/" + uuid, PathAnyEndpoint + "/" + uuid} {
		q, err := h.query(ctx, p)
		if err != nil {
			return err
		}
		if len(q.Inventories) != 0 {
			return fmt.Errorf("GET %s still finds the deleted endpoint", p)
		}
	}
	a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{"testMsg": "deleted", "endpointUuid": uuid}})
	if err != nil {
		return err
	}
	if err := refusedWith(h, a, "SYS.1003"); err != nil {
		return fmt.Errorf("test-connection of the deleted endpoint: %w", err)
	}
	if n := len(h.Entries(robot.Token)); n > 0 {
		return fmt.Errorf("test-connection of the deleted endpoint still called its webhook (%d requests)", n)
	}
	return nil
}

// addAtPerson adds a phone number to an endpoint and returns the answer.
func (h *Harness) addAtPerson(ctx context.Context, endpoint, phone string, negative bool) (*Answer, error) {
	var opts []CallOption
	if negative {
		opts = append(opts, AsNegative())
	}
	return h.Call(ctx, http.MethodPost, PathAtPersons, map[string]any{"params": map[string]any{
		"phoneNumber": phone, "endpointUuid": endpoint, "remark": "conformance"}}, opts...)
}

func checkAtPersons(ctx context.Context, h *Harness) error {
	_, ep, err := h.newEndpoint(ctx, nil)
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, ep)
	const phone, phone2 = "+86-13800000001", "+86-13800000002"
	a, err := h.addAtPerson(ctx, ep, phone, false)
	if err != nil {
		return err
	}
	var added inventoryAnswer
	if a.Status != http.StatusOK || a.JSON(&added) != nil {
		return fmt.Errorf("adding at-person %s failed: %s", phone, a.Describe())
	}
	p := added.Inventory
	if !uuidPattern.MatchString(p.UUID) || p.PhoneNumber != phone || p.EndpointUUID != ep || p.Remark != "conformance" {
		return fmt.Errorf("the added at-person's inventory does not hold what was added (uuid, phoneNumber %s, endpointUuid, remark): %s", phone, a.Describe())
	}
	byEndpoint := PathAtPersons + "?q=" + url.QueryEscape("endpointUuid="+ep)
	q, err := h.query(ctx, byEndpoint)
	if err != nil {
		return err
	}
	if len(q.Inventories) != 1 || q.Inventories[0].UUID != p.UUID {
		return fmt.Errorf("GET %s found %v; expected the at-person added (%s)", byEndpoint, uuids(q.Inventories), p.UUID)
	}
	q, err = h.query(ctx, PathEndpoints+"/"+ep)
	if err != nil {
		return err
	}
	if len(q.Inventories) != 1 || !slices.Contains(q.Inventories[0].AtPersonPhoneNumbers, phone) {
		return fmt.Errorf("the endpoint's atPersonPhoneNumbers do not list %s after it was added", phone)
	}
	var updated inventoryAnswer
	if _, err := h.call200(ctx, "update the at-person", http.MethodPut, PathAtPersons+"/"+p.UUID+"/actions",
		map[string]any{"updateAtPersonOfAtDingTalkEndpoint": map[string]any{"endpointUuid": ep, "phoneNumber": phone2}}, &updated); err != nil {
		return err
	}
	if updated.Inventory.PhoneNumber != phone2 {
		return fmt.Errorf("the update answer shows phoneNumber %q; expected %s", updated.Inventory.PhoneNumber, phone2)
	}
	if _, err := h.call200(ctx, "remove the at-person", http.MethodDelete, PathEndpoints+"/"+ep+"/at-persons/"+url.PathEscape(phone2), nil, nil); err != nil {
		return err
	}
	q, err = h.query(ctx, byEndpoint)
	if err != nil {
		return err
	}
	if len(q.Inventories) != 0 {
		return fmt.Errorf("GET %s still finds %v after the at-person was removed", byEndpoint, uuids(q.Inventories))
	}
	return nil
}

func checkAtPersonValidation(ctx context.Context, h *Harness) error {
	_, ep, err := h.newEndpoint(ctx, nil)
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, ep)
	for _, bad := range []string{"13800000003", "+86 13800000003", "+86-1380000"} {
		a, err := h.addAtPerson(ctx, ep, bad, true)
		if err != nil {
			return err
		}
		if err := refusedWith(h, a, "SYS.1007"); err != nil {
			return fmt.Errorf("phone number %q (off ZStack's +86-12388889999 format): %w", bad, err)
		}
	}
	const phone = "+86-13800000004"
	if a, err := h.addAtPerson(ctx, ep, phone, false); err != nil {
		return err
	} else if a.Status != http.StatusOK {
		return fmt.Errorf("adding at-person %s failed: %s", phone, a.Describe())
	}
	a, err := h.addAtPerson(ctx, ep, phone, false)
	if err != nil {
		return err
	}
	if err := refusedWith(h, a, "SYS.1007"); err != nil {
		return fmt.Errorf("adding %s a second time: %w", phone, err)
	}
	if !strings.Contains(string(a.Body), phone) {
		return fmt.Errorf("the refusal of a duplicate does not name the phone number (ZStack: phone number[%s] already exists): %s", phone, a.Describe())
	}
	return nil
}
