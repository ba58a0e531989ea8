// Endpoint management: create, update and delete DingTalk endpoints, and
// add, update and remove their at-persons, with ZStack's validation order
// and texts (@APIParam checks, then the resource uuid check, then
// SNSApiInterceptor).
package sns

import (
	"errors"
	"net/http"
	"slices"
	"sort"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// Endpoint states and connection statuses.
const (
	StateEnabled     = "Enabled"
	StateDisabled    = "Disabled"
	ConnectionUp     = "UP"
	ConnectionDown   = "DOWN"
	resourceUUIDText = "resourceUuid[%s] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' stripped. " +
		"see http://en.wikipedia.org/wiki/Universally_unique_identifier for format of UUID, the regular expression ZStack uses " +
		"to validate a UUID is [0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}"
)

type createEndpointRequest struct {
	Params *struct {
		Name                 *string           `json:"name"`
		Description          *string           `json:"description"`
		URL                  *string           `json:"url"`
		AtAll                *bool             `json:"atAll"`
		Secret               *string           `json:"secret"`
		AtPersonPhoneNumbers []string          `json:"atPersonPhoneNumbers"`
		AtPersonList         map[string]string `json:"atPersonList"`
		ResourceUUID         *string           `json:"resourceUuid"`
	} `json:"params"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

// storeErr reports a store failure as SYS.1000 and logs it.
func (s *Server) storeErr(op string, err error) *apiError {
	s.log.Error("sns: store failure", "op", op, "err", err)
	return internalErr("cannot %s: %v", op, err)
}

func (s *Server) handleCreateEndpoint(w http.ResponseWriter, r *http.Request) {
	var req createEndpointRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.Params == nil {
		writeError(w, badRequest("the body has no 'params' object"))
		return
	}
	p := req.Params
	for _, f := range []*string{p.Name, p.Description, p.URL, p.Secret, p.ResourceUUID} {
		trimPtr(f)
	}
	const m = msgCreateEndpoint
	if e := firstErr(
		mandatory(m, "name", p.Name != nil), maxLength(m, "name", p.Name, 255),
		maxLength(m, "description", p.Description, 2048),
		mandatory(m, "url", p.URL != nil), maxLength(m, "url", p.URL, 2048),
		maxLength(m, "secret", p.Secret, 128),
		nonEmptyList("atPersonPhoneNumbers", p.AtPersonPhoneNumbers),
	); e != nil {
		writeError(w, e)
		return
	}
	if p.ResourceUUID != nil && *p.ResourceUUID != "" && !resourceUUID.MatchString(*p.ResourceUUID) {
		writeError(w, argErr(resourceUUIDText, *p.ResourceUUID))
		return
	}
	if e := validateURL(*p.URL); e != nil {
		writeError(w, e)
		return
	}
	var phones []string
	for _, n := range p.AtPersonPhoneNumbers {
		if e := checkDingTalkPhone(n); e != nil {
			writeError(w, e)
			return
		}
		if !slices.Contains(phones, n) {
			phones = append(phones, n)
		}
	}
	listed := make([]string, 0, len(p.AtPersonList))
	for n := range p.AtPersonList {
		listed = append(listed, n)
	}
	sort.Strings(listed)
	for _, n := range listed {
		if e := checkDingTalkPhone(n); e != nil {
			writeError(w, e)
			return
		}
		if !slices.Contains(phones, n) {
			phones = append(phones, n)
		}
	}

	now := s.now()
	ep := store.Endpoint{
		UUID: newUUID(), Name: *p.Name, Type: EndpointType, State: StateEnabled,
		PlatformUUID: SystemPlatformUUID, ConnectionStatus: ConnectionUp, URL: *p.URL,
		CreateDate: now, LastOpDate: now,
	}
	if p.Description != nil {
		ep.Description = *p.Description
	}
	if p.AtAll != nil {
		ep.AtAll = *p.AtAll
	}
	if p.Secret != nil {
		ep.Secret = *p.Secret
	}
	if p.ResourceUUID != nil && *p.ResourceUUID != "" {
		ep.UUID = *p.ResourceUUID
	}
	persons := make([]store.AtPerson, len(phones))
	for i, n := range phones {
		persons[i] = store.AtPerson{UUID: newUUID(), PhoneNumber: n, EndpointUUID: ep.UUID, Remark: p.AtPersonList[n],
			CreateDate: now, LastOpDate: now}
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, err := s.store.Endpoint(ep.UUID); err == nil {
		writeError(w, argErr("resourceUuid[%s] is already used by another endpoint", ep.UUID))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		writeError(w, s.storeErr("read endpoints", err))
		return
	}
	if err := s.store.PutEndpoint(ep, persons...); err != nil {
		writeError(w, s.storeErr("save the endpoint", err))
		return
	}
	s.log.Info("sns: endpoint created", "uuid", ep.UUID, "name", ep.Name, "url", redactURL(ep.URL),
		"secret", dingtalk.MaskSecret(ep.Secret), "atPersons", len(persons))
	writeJSON(w, http.StatusOK, map[string]any{"inventory": s.endpointInventory(ep, persons)})
}

type updateEndpointRequest struct {
	Update *struct {
		Name         *string `json:"name"`
		Description  *string `json:"description"`
		PlatformUUID *string `json:"platformUuid"`
		URL          *string `json:"url"`
		AtAll        *bool   `json:"atAll"`
		Secret       *string `json:"secret"`
	} `json:"updateSNSDingTalkEndpoint"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

// loadEndpoint is the resourceType check of a uuid field: format, then
// existence.
func (s *Server) loadEndpoint(field, msgClass, uuid string) (store.Endpoint, *apiError) {
	if e := checkUUIDFormat(field, uuid); e != nil {
		return store.Endpoint{}, e
	}
	ep, err := s.store.Endpoint(uuid)
	if errors.Is(err, store.ErrNotFound) {
		return store.Endpoint{}, resourceNotFound(field, msgClass, uuid, voEndpoint)
	}
	if err != nil {
		return store.Endpoint{}, s.storeErr("read the endpoint", err)
	}
	return ep, nil
}

func (s *Server) handleUpdateEndpoint(w http.ResponseWriter, r *http.Request) {
	var req updateEndpointRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.Update == nil {
		writeError(w, badRequest("the body has no 'updateSNSDingTalkEndpoint' object"))
		return
	}
	p := req.Update
	for _, f := range []*string{p.Name, p.Description, p.PlatformUUID, p.URL, p.Secret} {
		trimPtr(f)
	}
	const m = msgUpdateEndpoint
	if e := firstErr(
		maxLength(m, "name", p.Name, 255), maxLength(m, "description", p.Description, 2048),
		maxLength(m, "url", p.URL, 256), maxLength(m, "secret", p.Secret, 256),
	); e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ep, e := s.loadEndpoint("uuid", m, mux.Vars(r)["uuid"])
	if e != nil {
		writeError(w, e)
		return
	}
	if !isBlank(p.URL) {
		if e := validateURL(*p.URL); e != nil {
			writeError(w, e)
			return
		}
		ep.URL = *p.URL
	}
	if !isBlank(p.Name) {
		ep.Name = *p.Name
	}
	if !isBlank(p.Description) {
		ep.Description = *p.Description
	}
	if p.AtAll != nil {
		ep.AtAll = *p.AtAll
	}
	if p.Secret != nil {
		ep.Secret = *p.Secret
	}
	ep.LastOpDate = s.now()
	if err := s.store.PutEndpoint(ep); err != nil {
		writeError(w, s.storeErr("save the endpoint", err))
		return
	}
	persons, err := s.personsOf(ep.UUID)
	if err != nil {
		writeError(w, s.storeErr("read at-persons", err))
		return
	}
	s.log.Info("sns: endpoint updated", "uuid", ep.UUID, "url", redactURL(ep.URL), "secret", dingtalk.MaskSecret(ep.Secret))
	writeJSON(w, http.StatusOK, map[string]any{"inventory": s.endpointInventory(ep, persons)})
}

// handleDeleteEndpoint is DeleteSNSApplicationEndpoint: its at-persons go
// first; a missing endpoint is a success, as ZStack deletes are.
func (s *Server) handleDeleteEndpoint(w http.ResponseWriter, r *http.Request) {
	uuid := mux.Vars(r)["uuid"]
	if e := checkUUIDFormat("uuid", uuid); e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.store.DeleteEndpoint(uuid); err != nil {
		writeError(w, s.storeErr("delete the endpoint", err))
		return
	}
	s.log.Info("sns: endpoint deleted", "uuid", uuid)
	writeJSON(w, http.StatusOK, struct{}{})
}

type applicationEndpointActionRequest struct {
	Update *struct {
		Name         *string `json:"name"`
		Description  *string `json:"description"`
		PlatformUUID *string `json:"platformUuid"`
	} `json:"updateSNSApplicationEndpoint"`
	ChangeState *struct {
		StateEvent *string `json:"stateEvent"`
	} `json:"changeSNSApplicationEndpointState"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

// handleApplicationEndpointAction serves the generic endpoint actions
// updateSNSApplicationEndpoint and changeSNSApplicationEndpointState.
func (s *Server) handleApplicationEndpointAction(w http.ResponseWriter, r *http.Request) {
	var req applicationEndpointActionRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if (req.Update == nil) == (req.ChangeState == nil) {
		writeError(w, badRequest("the body must have exactly one of 'updateSNSApplicationEndpoint' and 'changeSNSApplicationEndpointState'"))
		return
	}
	msgClass := msgUpdateAppEP
	if req.ChangeState != nil {
		msgClass = msgChangeEPState
		ev := req.ChangeState.StateEvent
		trimPtr(ev)
		if e := mandatory(msgClass, "stateEvent", ev != nil); e != nil {
			writeError(w, e)
			return
		}
		if *ev != "enable" && *ev != "disable" {
			writeError(w, argErr("valid value for field[stateEvent] of message[%s] are [enable, disable], but %s found", msgClass, *ev))
			return
		}
	} else {
		trimPtr(req.Update.Name)
		trimPtr(req.Update.Description)
		if e := firstErr(maxLength(msgClass, "name", req.Update.Name, 255), maxLength(msgClass, "description", req.Update.Description, 2048)); e != nil {
			writeError(w, e)
			return
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ep, e := s.loadEndpoint("uuid", msgClass, mux.Vars(r)["uuid"])
	if e != nil {
		writeError(w, e)
		return
	}
	if req.ChangeState != nil {
		ep.State = StateEnabled
		if *req.ChangeState.StateEvent == "disable" {
			ep.State = StateDisabled
		}
	} else {
		if !isBlank(req.Update.Name) {
			ep.Name = *req.Update.Name
		}
		if !isBlank(req.Update.Description) {
			ep.Description = *req.Update.Description
		}
	}
	ep.LastOpDate = s.now()
	if err := s.store.PutEndpoint(ep); err != nil {
		writeError(w, s.storeErr("save the endpoint", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inventory": s.applicationEndpointInventory(ep)})
}

type addAtPersonRequest struct {
	Params *struct {
		PhoneNumber  *string `json:"phoneNumber"`
		EndpointUUID *string `json:"endpointUuid"`
		Remark       *string `json:"remark"`
		ResourceUUID *string `json:"resourceUuid"`
	} `json:"params"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

func (s *Server) handleAddAtPerson(w http.ResponseWriter, r *http.Request) {
	var req addAtPersonRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.Params == nil {
		writeError(w, badRequest("the body has no 'params' object"))
		return
	}
	p := req.Params
	for _, f := range []*string{p.PhoneNumber, p.EndpointUUID, p.Remark, p.ResourceUUID} {
		trimPtr(f)
	}
	const m = msgAddAtPerson
	if e := firstErr(
		mandatory(m, "phoneNumber", p.PhoneNumber != nil), maxLength(m, "phoneNumber", p.PhoneNumber, 64),
		mandatory(m, "endpointUuid", p.EndpointUUID != nil),
		maxLength(m, "remark", p.Remark, 128),
	); e != nil {
		writeError(w, e)
		return
	}
	if p.ResourceUUID != nil && *p.ResourceUUID != "" && !resourceUUID.MatchString(*p.ResourceUUID) {
		writeError(w, argErr(resourceUUIDText, *p.ResourceUUID))
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, e := s.loadEndpoint("endpointUuid", m, *p.EndpointUUID); e != nil {
		writeError(w, e)
		return
	}
	if e := checkDingTalkPhone(*p.PhoneNumber); e != nil {
		writeError(w, e)
		return
	}
	persons, err := s.personsOf(*p.EndpointUUID)
	if err != nil {
		writeError(w, s.storeErr("read at-persons", err))
		return
	}
	for _, q := range persons {
		if q.PhoneNumber == *p.PhoneNumber {
			writeError(w, argErr("phone number[%s] already exists", *p.PhoneNumber))
			return
		}
	}
	now := s.now()
	person := store.AtPerson{UUID: newUUID(), PhoneNumber: *p.PhoneNumber, EndpointUUID: *p.EndpointUUID, CreateDate: now, LastOpDate: now}
	if p.Remark != nil {
		person.Remark = *p.Remark
	}
	if p.ResourceUUID != nil && *p.ResourceUUID != "" {
		if _, err := s.store.AtPerson(*p.ResourceUUID); err == nil {
			writeError(w, argErr("resourceUuid[%s] is already used by another at-person", *p.ResourceUUID))
			return
		}
		person.UUID = *p.ResourceUUID
	}
	if err := s.store.PutAtPerson(person); err != nil {
		writeError(w, s.storeErr("save the at-person", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inventory": s.atPersonInventory(person)})
}

type updateAtPersonRequest struct {
	Update *struct {
		EndpointUUID *string `json:"endpointUuid"`
		PhoneNumber  *string `json:"phoneNumber"`
		Remark       *string `json:"remark"`
	} `json:"updateAtPersonOfAtDingTalkEndpoint"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

func (s *Server) handleUpdateAtPerson(w http.ResponseWriter, r *http.Request) {
	var req updateAtPersonRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.Update == nil {
		writeError(w, badRequest("the body has no 'updateAtPersonOfAtDingTalkEndpoint' object"))
		return
	}
	p := req.Update
	for _, f := range []*string{p.EndpointUUID, p.PhoneNumber, p.Remark} {
		trimPtr(f)
	}
	const m = msgUpdateAtPerson
	if e := firstErr(
		mandatory(m, "endpointUuid", p.EndpointUUID != nil),
		maxLength(m, "phoneNumber", p.PhoneNumber, 256), maxLength(m, "remark", p.Remark, 128),
	); e != nil {
		writeError(w, e)
		return
	}
	uuid := mux.Vars(r)["uuid"]
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if e := checkUUIDFormat("uuid", uuid); e != nil {
		writeError(w, e)
		return
	}
	person, err := s.store.AtPerson(uuid)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, resourceNotFound("uuid", m, uuid, voAtPerson))
		return
	} else if err != nil {
		writeError(w, s.storeErr("read the at-person", err))
		return
	}
	if _, e := s.loadEndpoint("endpointUuid", m, *p.EndpointUUID); e != nil {
		writeError(w, e)
		return
	}
	if person.EndpointUUID != *p.EndpointUUID {
		writeError(w, argErr("at-person[uuid:%s] does not belong to endpoint[uuid:%s]", uuid, *p.EndpointUUID))
		return
	}
	if !isBlank(p.PhoneNumber) {
		if e := checkDingTalkPhone(*p.PhoneNumber); e != nil {
			writeError(w, e)
			return
		}
		others, err := s.personsOf(*p.EndpointUUID)
		if err != nil {
			writeError(w, s.storeErr("read at-persons", err))
			return
		}
		for _, q := range others {
			if q.UUID != person.UUID && q.PhoneNumber == *p.PhoneNumber {
				writeError(w, argErr("phone number[%s] already exists", *p.PhoneNumber))
				return
			}
		}
		person.PhoneNumber = *p.PhoneNumber
	}
	if p.Remark != nil {
		person.Remark = *p.Remark
	}
	person.LastOpDate = s.now()
	if err := s.store.PutAtPerson(person); err != nil {
		writeError(w, s.storeErr("save the at-person", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inventory": s.atPersonInventory(person)})
}

// handleRemoveAtPerson deletes by (endpointUuid, phoneNumber); nothing to
// delete is still a success, as in ZStack.
func (s *Server) handleRemoveAtPerson(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	endpointUUID, phone := vars["endpointUuid"], javaTrim(vars["phoneNumber"])
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	persons, err := s.personsOf(endpointUUID)
	if err != nil {
		writeError(w, s.storeErr("read at-persons", err))
		return
	}
	for _, q := range persons {
		if q.PhoneNumber == phone {
			if err := s.store.DeleteAtPerson(q.UUID); err != nil {
				writeError(w, s.storeErr("delete the at-person", err))
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, struct{}{})
}
