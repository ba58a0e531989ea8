// The JSON inventories the API answers with, built from stored records,
// with secrets masked.
package sns

import (
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// EndpointType is the type of every endpoint this API manages.
const EndpointType = "DingTalk"

// EndpointInventory is SNSDingTalkEndpointInventory.
type EndpointInventory struct {
	UUID                 string              `json:"uuid"`
	Name                 string              `json:"name"`
	Description          string              `json:"description,omitempty"`
	Type                 string              `json:"type"`
	State                string              `json:"state"`
	PlatformUUID         string              `json:"platformUuid"`
	ConnectionStatus     string              `json:"connectionStatus"`
	URL                  string              `json:"url,omitempty"`
	AtAll                bool                `json:"atAll"`
	Secret               string              `json:"secret,omitempty"`
	AtPersonPhoneNumbers []string            `json:"atPersonPhoneNumbers"`
	AtPersonList         []AtPersonInventory `json:"atPersonList"`
	CreateDate           string              `json:"createDate"`
	LastOpDate           string              `json:"lastOpDate"`
}

// ApplicationEndpointInventory is SNSApplicationEndpointInventory, the
// generic view GET /sns/application-endpoints answers with.
type ApplicationEndpointInventory struct {
	UUID             string `json:"uuid"`
	Name             string `json:"name"`
	Description      string `json:"description,omitempty"`
	Type             string `json:"type"`
	State            string `json:"state"`
	PlatformUUID     string `json:"platformUuid"`
	ConnectionStatus string `json:"connectionStatus"`
	CreateDate       string `json:"createDate"`
	LastOpDate       string `json:"lastOpDate"`
}

// AtPersonInventory is SNSDingTalkAtPersonInventory.
type AtPersonInventory struct {
	UUID         string `json:"uuid"`
	PhoneNumber  string `json:"phoneNumber"`
	EndpointUUID string `json:"endpointUuid"`
	Remark       string `json:"remark,omitempty"`
	CreateDate   string `json:"createDate"`
	LastOpDate   string `json:"lastOpDate"`
}

func (s *Server) atPersonInventory(p store.AtPerson) AtPersonInventory {
	return AtPersonInventory{
		UUID: p.UUID, PhoneNumber: p.PhoneNumber, EndpointUUID: p.EndpointUUID, Remark: p.Remark,
		CreateDate: s.zstackDate(p.CreateDate), LastOpDate: s.zstackDate(p.LastOpDate),
	}
}

func (s *Server) endpointInventory(e store.Endpoint, persons []store.AtPerson) EndpointInventory {
	inv := EndpointInventory{
		UUID: e.UUID, Name: e.Name, Description: e.Description, Type: e.Type, State: e.State,
		PlatformUUID: e.PlatformUUID, ConnectionStatus: e.ConnectionStatus, URL: e.URL, AtAll: e.AtAll,
		Secret: dingtalk.MaskSecret(e.Secret), AtPersonPhoneNumbers: []string{}, AtPersonList: []AtPersonInventory{},
		CreateDate: s.zstackDate(e.CreateDate), LastOpDate: s.zstackDate(e.LastOpDate),
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
		UUID: e.UUID, Name: e.Name, Description: e.Description, Type: e.Type, State: e.State,
		PlatformUUID: e.PlatformUUID, ConnectionStatus: e.ConnectionStatus,
		CreateDate: s.zstackDate(e.CreateDate), LastOpDate: s.zstackDate(e.LastOpDate),
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
