// The in-memory Store, used when no data directory is configured.

package store

import "sync"

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

func (m *memory) Endpoints() ([]Endpoint, error) { return memList(m, m.endpoints) }

func (m *memory) Endpoint(uuid string) (Endpoint, error) { return memGet(m, m.endpoints, uuid) }

func (m *memory) PutEndpoint(ep Endpoint, persons ...AtPerson) error {
	return m.write(func() {
		m.endpoints[ep.UUID] = ep
		for _, p := range persons {
			m.persons[p.UUID] = p
		}
	})
}

func (m *memory) DeleteEndpoint(uuid string) error {
	return m.write(func() {
		delete(m.endpoints, uuid)
		for k, p := range m.persons {
			if p.EndpointUUID == uuid {
				delete(m.persons, k)
			}
		}
	})
}

func (m *memory) AtPersons() ([]AtPerson, error) { return memList(m, m.persons) }

func (m *memory) AtPerson(uuid string) (AtPerson, error) { return memGet(m, m.persons, uuid) }

func (m *memory) PutAtPerson(p AtPerson) error {
	return m.write(func() { m.persons[p.UUID] = p })
}

func (m *memory) DeleteAtPerson(uuid string) error {
	return m.write(func() { delete(m.persons, uuid) })
}

// write changes m with change under its lock, or answers ErrClosed.
func (m *memory) write(change func()) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	change()
	return nil
}

func (m *memory) Counts() (int, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, 0, ErrClosed
	}
	return len(m.endpoints), len(m.persons), nil
}

func (m *memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// memList returns every record of one of m's maps (which are never
// replaced, only changed under m.mu), in the Store's order.
func memList[T record](m *memory, recs map[string]T) ([]T, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make([]T, 0, len(recs))
	for _, v := range recs {
		out = append(out, v)
	}
	sortRecords(out)
	return out, nil
}

// memGet returns one record of one of m's maps, or ErrNotFound.
func memGet[T record](m *memory, recs map[string]T, uuid string) (T, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var zero T
	if m.closed {
		return zero, ErrClosed
	}
	v, ok := recs[uuid]
	if !ok {
		return zero, ErrNotFound
	}
	return v, nil
}
