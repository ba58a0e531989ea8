// Endpoint management: create, update and delete DingTalk endpoints, and
// add, update and remove their at-persons, with ZStack's validation order
// and texts (@APIParam checks, then the resource uuid check, then
// SNSApiInterceptor).

package sns

import (
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// Endpoint states and connection statuses.
const (
	StateEnabled   = "Enabled"
	StateDisabled  = "Disabled"
	ConnectionUp   = "UP"
	ConnectionDown = "DOWN"
)

type createEndpointParams struct {
	Name                 *string           `json:"name"`
	Description          *string           `json:"description"`
	URL                  *string           `json:"url"`
	AtAll                *bool             `json:"atAll"`
	Secret               *string           `json:"secret"`
	AtPersonPhoneNumbers []string          `json:"atPersonPhoneNumbers"`
	AtPersonList         map[string]string `json:"atPersonList"`
	ResourceUUID         *string           `json:"resourceUuid"`
}

// checkRoom refuses (SYS.1006) a create that would hold more than
// MaxEndpoints endpoints or MaxAtPersons at-persons. Call it under writeMu.
func (s *Server) checkRoom(endpoints, persons int) *apiError {
	haveEndpoints, havePersons, err := s.store.Counts()
	if err != nil {
		return s.storeErr("count the records", err)
	}
	switch {
	case endpoints > 0 && haveEndpoints+endpoints > s.cfg.MaxEndpoints:
		s.storeFull.Add(1)
		return newErr(http.StatusServiceUnavailable, CodeOperationFailed,
			"cannot create the endpoint: %d endpoints exist, the limit; delete some first", haveEndpoints)
	case persons > 0 && havePersons+persons > s.cfg.MaxAtPersons:
		s.storeFull.Add(1)
		return newErr(http.StatusServiceUnavailable, CodeOperationFailed,
			"cannot add %d at-person(s): %d exist, the limit is %d; remove some first", persons, havePersons, s.cfg.MaxAtPersons)
	}
	return nil
}

// storeErr reports a store failure as SYS.1000 and logs it.
func (s *Server) storeErr(op string, err error) *apiError {
	s.log.Error("sns: store failure", "op", op, "err", err)
	return internalErr("cannot %s: %v", op, err)
}

// writeSaved answers a store write: SYS.1000 when saving what failed, else
// 200 with the record's inventory.
func (s *Server) writeSaved(w http.ResponseWriter, err error, what string, inv any) {
	if err != nil {
		writeError(w, s.storeErr("save "+what, err))
		return
	}
	writeInventory(w, inv)
}

func (s *Server) handleCreateEndpoint(w http.ResponseWriter, r *http.Request) {
	p := decodeParams[createEndpointParams](w, r)
	if p == nil {
		return
	}
	trimPtr(p.Name, p.Description, p.URL, p.Secret, p.ResourceUUID)
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
	wantUUID, e := resourceUUIDParam(p.ResourceUUID)
	if e == nil {
		e = validateURL(*p.URL)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	// atPersonPhoneNumbers first, then atPersonList's numbers in order;
	// each checked, duplicates dropped.
	var phones []string
	for _, n := range slices.Concat(p.AtPersonPhoneNumbers, slices.Sorted(maps.Keys(p.AtPersonList))) {
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
	assign(&ep.Description, p.Description)
	assign(&ep.AtAll, p.AtAll)
	assign(&ep.Secret, p.Secret)
	if wantUUID != "" {
		ep.UUID = wantUUID
	}
	persons := make([]store.AtPerson, len(phones))
	for i, n := range phones {
		persons[i] = store.AtPerson{UUID: newUUID(), PhoneNumber: n, EndpointUUID: ep.UUID, Remark: p.AtPersonList[n],
			CreateDate: now, LastOpDate: now}
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if e := s.checkRoom(1, len(persons)); e != nil {
		writeError(w, e)
		return
	}
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
	s.log.Info("sns: endpoint created", "uuid", ep.UUID, "name", ep.Name, "url", redact.URL(ep.URL),
		"secret", redact.Secret(ep.Secret), "atPersons", len(persons))
	writeInventory(w, s.endpointInventory(ep, persons))
}

type updateEndpointParams struct {
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	PlatformUUID *string `json:"platformUuid"`
	URL          *string `json:"url"`
	AtAll        *bool   `json:"atAll"`
	Secret       *string `json:"secret"`
}

type updateEndpointRequest struct {
	Update     *updateEndpointParams `json:"updateSNSDingTalkEndpoint"`
	SystemTags []string              `json:"systemTags"`
	UserTags   []string              `json:"userTags"`
}

// loadResource is PortApiValidator's resourceType check of a uuid field:
// format (SYS.1003 "invalid value"), then existence of a record of type vo
// (SYS.1003 "not found"); what names the record in a store-failure text.
func loadResource[T any](s *Server, get func(string) (T, error), field, msgClass, uuid, vo, what string) (T, *apiError) {
	var zero T
	if e := checkUUIDFormat(field, uuid); e != nil {
		return zero, e
	}
	v, err := get(uuid)
	if errors.Is(err, store.ErrNotFound) {
		return zero, resourceNotFound(field, msgClass, uuid, vo)
	}
	if err != nil {
		return zero, s.storeErr("read "+what, err)
	}
	return v, nil
}

// loadEndpoint is loadResource for an endpoint uuid field.
func (s *Server) loadEndpoint(field, msgClass, uuid string) (store.Endpoint, *apiError) {
	return loadResource(s, s.store.Endpoint, field, msgClass, uuid, voEndpoint, "the endpoint")
}

func (s *Server) handleUpdateEndpoint(w http.ResponseWriter, r *http.Request) {
	p := decodeWrapped(w, r, "updateSNSDingTalkEndpoint", func(q *updateEndpointRequest) *updateEndpointParams { return q.Update })
	if p == nil {
		return
	}
	trimPtr(p.Name, p.Description, p.PlatformUUID, p.URL, p.Secret)
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
	if e == nil && !isBlank(p.URL) {
		e = validateURL(*p.URL)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	assignNonBlank(&ep.URL, p.URL)
	assignNonBlank(&ep.Name, p.Name)
	assignNonBlank(&ep.Description, p.Description)
	assign(&ep.AtAll, p.AtAll)
	assign(&ep.Secret, p.Secret)
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
	s.log.Info("sns: endpoint updated", "uuid", ep.UUID, "url", redact.URL(ep.URL), "secret", redact.Secret(ep.Secret))
	writeInventory(w, s.endpointInventory(ep, persons))
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
		trimPtr(req.Update.Name, req.Update.Description)
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
		assignNonBlank(&ep.Name, req.Update.Name)
		assignNonBlank(&ep.Description, req.Update.Description)
	}
	ep.LastOpDate = s.now()
	s.writeSaved(w, s.store.PutEndpoint(ep), "the endpoint", s.applicationEndpointInventory(ep))
}

type addAtPersonParams struct {
	PhoneNumber  *string `json:"phoneNumber"`
	EndpointUUID *string `json:"endpointUuid"`
	Remark       *string `json:"remark"`
	ResourceUUID *string `json:"resourceUuid"`
}

// checkNewPhone is SNSApiInterceptor's check of the phone number an
// at-person is added or changed to: DingTalk's format, then no other
// at-person of the endpoint (self excepted) has it already.
func (s *Server) checkNewPhone(endpointUUID, phone, self string) *apiError {
	if e := checkDingTalkPhone(phone); e != nil {
		return e
	}
	persons, err := s.personsOf(endpointUUID)
	if err != nil {
		return s.storeErr("read at-persons", err)
	}
	for _, q := range persons {
		if q.UUID != self && q.PhoneNumber == phone {
			return argErr("phone number[%s] already exists", phone)
		}
	}
	return nil
}

func (s *Server) handleAddAtPerson(w http.ResponseWriter, r *http.Request) {
	p := decodeParams[addAtPersonParams](w, r)
	if p == nil {
		return
	}
	trimPtr(p.PhoneNumber, p.EndpointUUID, p.Remark, p.ResourceUUID)
	const m = msgAddAtPerson
	if e := firstErr(
		mandatory(m, "phoneNumber", p.PhoneNumber != nil), maxLength(m, "phoneNumber", p.PhoneNumber, 64),
		mandatory(m, "endpointUuid", p.EndpointUUID != nil),
		maxLength(m, "remark", p.Remark, 128),
	); e != nil {
		writeError(w, e)
		return
	}
	wantUUID, e := resourceUUIDParam(p.ResourceUUID)
	if e != nil {
		writeError(w, e)
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, e = s.loadEndpoint("endpointUuid", m, *p.EndpointUUID); e == nil {
		e = s.checkNewPhone(*p.EndpointUUID, *p.PhoneNumber, "")
	}
	if e == nil {
		e = s.checkRoom(0, 1)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	now := s.now()
	person := store.AtPerson{UUID: newUUID(), PhoneNumber: *p.PhoneNumber, EndpointUUID: *p.EndpointUUID, CreateDate: now, LastOpDate: now}
	assign(&person.Remark, p.Remark)
	if wantUUID != "" {
		if _, err := s.store.AtPerson(wantUUID); err == nil {
			writeError(w, argErr("resourceUuid[%s] is already used by another at-person", wantUUID))
			return
		}
		person.UUID = wantUUID
	}
	s.writeSaved(w, s.store.PutAtPerson(person), "the at-person", s.atPersonInventory(person))
}

type updateAtPersonParams struct {
	EndpointUUID *string `json:"endpointUuid"`
	PhoneNumber  *string `json:"phoneNumber"`
	Remark       *string `json:"remark"`
}

type updateAtPersonRequest struct {
	Update     *updateAtPersonParams `json:"updateAtPersonOfAtDingTalkEndpoint"`
	SystemTags []string              `json:"systemTags"`
	UserTags   []string              `json:"userTags"`
}

func (s *Server) handleUpdateAtPerson(w http.ResponseWriter, r *http.Request) {
	p := decodeWrapped(w, r, "updateAtPersonOfAtDingTalkEndpoint", func(q *updateAtPersonRequest) *updateAtPersonParams { return q.Update })
	if p == nil {
		return
	}
	trimPtr(p.EndpointUUID, p.PhoneNumber, p.Remark)
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
	person, e := loadResource(s, s.store.AtPerson, "uuid", m, uuid, voAtPerson, "the at-person")
	if e == nil {
		_, e = s.loadEndpoint("endpointUuid", m, *p.EndpointUUID)
	}
	if e == nil && person.EndpointUUID != *p.EndpointUUID {
		e = argErr("at-person[uuid:%s] does not belong to endpoint[uuid:%s]", uuid, *p.EndpointUUID)
	}
	if e == nil && !isBlank(p.PhoneNumber) {
		e = s.checkNewPhone(*p.EndpointUUID, *p.PhoneNumber, person.UUID)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	assignNonBlank(&person.PhoneNumber, p.PhoneNumber)
	assign(&person.Remark, p.Remark)
	person.LastOpDate = s.now()
	s.writeSaved(w, s.store.PutAtPerson(person), "the at-person", s.atPersonInventory(person))
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
