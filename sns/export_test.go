// Hooks that let the external specs reach inside a Server.

package sns

import "github.com/dingtalk-mock/mockdingtalk/sns/store"

// ReplaceStore swaps the server's store (to inject failures and panics).
func ReplaceStore(s *Server, st store.Store) { s.store = st }

// LiveSessions is how many sessions the server holds (expired ones it has
// not dropped yet included).
func LiveSessions(s *Server) int {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	return len(s.sessions.m)
}

// EncodeJSON is what the API writes for v.
func EncodeJSON(v any) ([]byte, error) { return encodeJSON(v) }
