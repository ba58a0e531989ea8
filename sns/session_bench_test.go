// Benchmark that a login costs the same however many sessions others hold:
// expired sessions leave through the expiry heap, not a scan under the lock.

package sns

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkLoginWithLiveSessions(b *testing.B) {
	for _, live := range []int{0, 10000, 50000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			accounts, _ := checkAccounts(DefaultAccounts())
			ss := newSessions(accounts, time.Hour, func() time.Time { return now }, live+b.N+1)
			pw := SHA512Hex(DefaultAdminPassword)
			for range live {
				if _, err := ss.login("admin", pw); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				now = now.Add(time.Microsecond) // sessions keep expiring in order, as time passes
				if _, err := ss.login("admin", pw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
