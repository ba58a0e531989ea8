// Hooks that let the external specs reach inside a Server.
package sns

import "github.com/dingtalk-mock/mockdingtalk/sns/store"

// ReplaceStore swaps the server's store (to inject failures and panics).
func ReplaceStore(s *Server, st store.Store) { s.store = st }
