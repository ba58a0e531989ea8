// The in-memory Store, used when no data directory is configured.
package store

import (
	"cmp"
	"slices"
	"sync"
)

type memory struct {
	mu        sync.RWMutex
	closed    bool
	endpoints map[string]Endpoint
	persons   map[string]AtPerson
}

// NewMemory returns an empty Store that lives in memory only.
func NewMemory() Store {
	return &memory{endpoints: map[string]Endpoint{}, persons: map[string]AtPerson{}}
}

func (m *memory) Endpoints() ([]Endpoint, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]Endpoint, 0, len(m.endpoints))
	for _, e := range m.endpoints {
		out = append(out, e)
	}
	sortEndpoints(out)
	return out, nil
}

func (m *memory) Endpoint(uuid string) (Endpoint, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return Endpoint{}, ErrClosed
	}
	e, ok := m.endpoints[uuid]
	if !ok {
		return Endpoint{}, ErrNotFound
	}
	return e, nil
}

func (m *memory) PutEndpoint(ep Endpoint, persons ...AtPerson) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.endpoints[ep.UUID] = ep
	for _, p := range persons {
		m.persons[p.UUID] = p
	}
	return nil
}

func (m *memory) DeleteEndpoint(uuid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	delete(m.endpoints, uuid)
	for k, p := range m.persons {
		if p.EndpointUUID == uuid {
			delete(m.persons, k)
		}
	}
	return nil
}

func (m *memory) AtPersons() ([]AtPerson, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]AtPerson, 0, len(m.persons))
	for _, p := range m.persons {
		out = append(out, p)
	}
	sortPersons(out)
	return out, nil
}

func (m *memory) AtPerson(uuid string) (AtPerson, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return AtPerson{}, ErrClosed
	}
	p, ok := m.persons[uuid]
	if !ok {
		return AtPerson{}, ErrNotFound
	}
	return p, nil
}

func (m *memory) PutAtPerson(p AtPerson) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.persons[p.UUID] = p
	return nil
}

func (m *memory) DeleteAtPerson(uuid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	delete(m.persons, uuid)
	return nil
}

func (m *memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func sortEndpoints(s []Endpoint) {
	slices.SortFunc(s, func(a, b Endpoint) int {
		if c := a.CreateDate.Compare(b.CreateDate); c != 0 {
			return c
		}
		return cmp.Compare(a.UUID, b.UUID)
	})
}

func sortPersons(s []AtPerson) {
	slices.SortFunc(s, func(a, b AtPerson) int {
		if c := a.CreateDate.Compare(b.CreateDate); c != 0 {
			return c
		}
		return cmp.Compare(a.UUID, b.UUID)
	})
}
