// The JSON inventories the API answers with, built from stored records,
// with secrets masked.

package sns

import (
	"time"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// EndpointType is the type of every endpoint this API manages.
const EndpointType = "DingTalk"

// endpointHead is the leading part every endpoint inventory shares (ZStack's
// SNSApplicationEndpointInventory columns before the DingTalk ones).
type endpointHead struct {
	UUID             string `json:"uuid"`
	Name             string `json:"name"`
	Description      string `json:"description,omitempty"`
	Type             string `json:"type"`
	State            string `json:"state"`
	PlatformUUID     string `json:"platformUuid"`
	ConnectionStatus string `json:"connectionStatus"`
}

// inventoryDates are the two dates every inventory ends with, as ZStack
// writes them (see DateLayout).
type inventoryDates struct {
	CreateDate string `json:"createDate"`
	LastOpDate string `json:"lastOpDate"`
}

// EndpointInventory is SNSDingTalkEndpointInventory: endpointHead's fields,
// the DingTalk ones, then inventoryDates' (embedded, so the JSON is flat and
// in that order).
type EndpointInventory struct {
	endpointHead
	URL                  string              `json:"url,omitempty"`
	AtAll                bool                `json:"atAll"`
	Secret               string              `json:"secret,omitempty"`
	AtPersonPhoneNumbers []string            `json:"atPersonPhoneNumbers"`
	AtPersonList         []AtPersonInventory `json:"atPersonList"`
	inventoryDates
}

// ApplicationEndpointInventory is SNSApplicationEndpointInventory, the
// generic view GET /sns/application-endpoints answers with: endpointHead's
// fields, then inventoryDates'.
type ApplicationEndpointInventory struct {
	endpointHead
	inventoryDates
}

// AtPersonInventory is SNSDingTalkAtPersonInventory.
type AtPersonInventory struct {
	UUID         string `json:"uuid"`
	PhoneNumber  string `json:"phoneNumber"`
	EndpointUUID string `json:"endpointUuid"`
	Remark       string `json:"remark,omitempty"`
	inventoryDates
}

func (s *Server) dates(created, lastOp time.Time) inventoryDates {
	return inventoryDates{CreateDate: s.zstackDate(created), LastOpDate: s.zstackDate(lastOp)}
}

func (s *Server) atPersonInventory(p store.AtPerson) AtPersonInventory {
	return AtPersonInventory{
		UUID: p.UUID, PhoneNumber: p.PhoneNumber, EndpointUUID: p.EndpointUUID, Remark: p.Remark,
		inventoryDates: s.dates(p.CreateDate, p.LastOpDate),
	}
}

func (s *Server) endpointInventory(e store.Endpoint, persons []store.AtPerson) EndpointInventory {
	app := s.applicationEndpointInventory(e)
	inv := EndpointInventory{
		endpointHead: app.endpointHead, URL: e.URL, AtAll: e.AtAll, Secret: redact.Secret(e.Secret),
		AtPersonPhoneNumbers: []string{}, AtPersonList: []AtPersonInventory{}, inventoryDates: app.inventoryDates,
	}
	for _, p := range persons {
		if p.EndpointUUID == e.UUID {
			inv.AtPersonPhoneNumbers = append(inv.AtPersonPhoneNumbers, p.PhoneNumber)
			inv.AtPersonList = append(inv.AtPersonList, s.atPersonInventory(p))
		}
	}
	return inv
}

func (s *Server) applicationEndpointInventory(e store.Endpoint) ApplicationEndpointInventory {
	return ApplicationEndpointInventory{
		endpointHead: endpointHead{
			UUID: e.UUID, Name: e.Name, Description: e.Description, Type: e.Type, State: e.State,
			PlatformUUID: e.PlatformUUID, ConnectionStatus: e.ConnectionStatus,
		},
		inventoryDates: s.dates(e.CreateDate, e.LastOpDate),
	}
}

// personsOf returns the at-persons of one endpoint.
func (s *Server) personsOf(endpointUUID string) ([]store.AtPerson, error) {
	all, err := s.store.AtPersons()
	if err != nil {
		return nil, err
	}
	var out []store.AtPerson
	for _, p := range all {
		if p.EndpointUUID == endpointUUID {
			out = append(out, p)
		}
	}
	return out, nil
}
