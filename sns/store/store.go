// What the store keeps and promises: Endpoint and AtPerson, the Store
// interface both implementations satisfy, and the order records are listed
// in.

package store

import (
	"cmp"
	"errors"
	"slices"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// Endpoint is one DingTalk endpoint (ZStack's SNSDingTalkEndpointVO plus its
// base SNSApplicationEndpointVO columns).
type Endpoint struct {
	UUID             string    `json:"uuid"`
	Name             string    `json:"name"`
	Description      string    `json:"description,omitempty"`
	Type             string    `json:"type"`
	State            string    `json:"state"`
	PlatformUUID     string    `json:"platformUuid"`
	ConnectionStatus string    `json:"connectionStatus"`
	URL              string    `json:"url"`
	AtAll            bool      `json:"atAll"`
	Secret           string    `json:"secret,omitempty"`
	CreateDate       time.Time `json:"createDate"`
	LastOpDate       time.Time `json:"lastOpDate"`
}

// AtPerson is one phone number an endpoint @-mentions (SNSDingTalkAtPersonVO).
type AtPerson struct {
	UUID         string    `json:"uuid"`
	PhoneNumber  string    `json:"phoneNumber"`
	EndpointUUID string    `json:"endpointUuid"`
	Remark       string    `json:"remark,omitempty"`
	CreateDate   time.Time `json:"createDate"`
	LastOpDate   time.Time `json:"lastOpDate"`
}

// Store is the persistence the SNS API needs. Implementations are safe for
// concurrent use; every method that changes data is atomic and, for the
// bbolt store, durable when it returns.
type Store interface {
	// Endpoints returns every endpoint, ordered by creation time then uuid.
	Endpoints() ([]Endpoint, error)
	// Endpoint returns one endpoint or ErrNotFound.
	Endpoint(uuid string) (Endpoint, error)
	// PutEndpoint creates or replaces an endpoint together with the given
	// at-persons (added or replaced), in one transaction.
	PutEndpoint(ep Endpoint, persons ...AtPerson) error
	// DeleteEndpoint removes an endpoint and all its at-persons. Deleting a
	// missing endpoint is not an error.
	DeleteEndpoint(uuid string) error
	// AtPersons returns every at-person, ordered by creation time then uuid.
	AtPersons() ([]AtPerson, error)
	// AtPerson returns one at-person or ErrNotFound.
	AtPerson(uuid string) (AtPerson, error)
	// PutAtPerson creates or replaces an at-person.
	PutAtPerson(p AtPerson) error
	// DeleteAtPerson removes an at-person; a missing one is not an error.
	DeleteAtPerson(uuid string) error
	// Counts returns how many endpoints and at-persons are stored, without
	// decoding them.
	Counts() (endpoints, atPersons int, err error)
	// Close releases the store. Later calls fail.
	Close() error
}

// ErrClosed is returned by a store after Close.
var ErrClosed = errors.New("store: closed")

// record is a stored record: the Store lists records by creation time,
// then uuid.
type record interface {
	Endpoint | AtPerson
	order() (time.Time, string)
}

func (e Endpoint) order() (time.Time, string) { return e.CreateDate, e.UUID }
func (p AtPerson) order() (time.Time, string) { return p.CreateDate, p.UUID }

// sortRecords puts records in the Store's order.
func sortRecords[T record](s []T) {
	slices.SortFunc(s, func(a, b T) int {
		ta, ua := a.order()
		tb, ub := b.order()
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		return cmp.Compare(ua, ub)
	})
}
