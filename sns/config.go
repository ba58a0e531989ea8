// Configuration of the SNS API server and its defaults.

package sns

import (
	"crypto/sha512"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// Defaults used when the matching Config field is zero.
const (
	// DefaultSessionTTL is ZStack's default session timeout (7200 s).
	DefaultSessionTTL = 2 * time.Hour
	// DefaultJobTTL is how long a finished async job's result is kept.
	DefaultJobTTL = 10 * time.Minute
	// MaxBodyBytes caps every request body; a larger body gets HTTP 400.
	MaxBodyBytes = 1 << 20
	// AdminAccountUUID is the uuid ZStack gives its initial admin account.
	AdminAccountUUID = "36c27e8ff05c4780bf6d2fa65700f22e"
	// SystemPlatformUUID is ZStack's built-in SNS platform, which owns every
	// DingTalk endpoint.
	SystemPlatformUUID = "02d24b9b0a7f4ee1846f15cda248ceb7"
	// DefaultAdminPassword is ZStack's initial admin password in clear; the
	// API expects its SHA-512 hex (see SHA512Hex).
	DefaultAdminPassword = "password"
	// DefaultMaxSessionsPerAccount is ZStack's identity.session.maxConcurrent
	// default: a login beyond it is refused with ID.1006.
	DefaultMaxSessionsPerAccount = 500
	// DefaultMaxJobs bounds the async test-connection jobs running at once;
	// one more is refused with SYS.1006.
	DefaultMaxJobs = 64
	// DefaultMaxEndpoints and DefaultMaxAtPersons bound what the store
	// holds; a create beyond them is refused with SYS.1006.
	DefaultMaxEndpoints = 10000
	DefaultMaxAtPersons = 100000
)

// Account is one login the API accepts.
type Account struct {
	// Name is the accountName given at login.
	Name string
	// PasswordSHA512 is the lower-case hex SHA-512 of the password, the
	// form ZStack clients send and ZStack stores.
	PasswordSHA512 string
	// UUID is the accountUuid reported in the session inventory. Empty
	// means one derived from the name (AdminAccountUUID for "admin").
	UUID string
}

// SHA512Hex returns the lower-case hex SHA-512 of password, the form the
// login API expects.
func SHA512Hex(password string) string {
	sum := sha512.Sum512([]byte(password))
	return hex.EncodeToString(sum[:])
}

// DefaultAccounts returns ZStack's initial account: admin / "password".
func DefaultAccounts() []Account {
	return []Account{{Name: "admin", PasswordSHA512: SHA512Hex(DefaultAdminPassword), UUID: AdminAccountUUID}}
}

// Config configures a Server. The zero value gives ZStack's defaults: the
// admin/password account, 2 h sessions, synchronous test-connection,
// in-memory state and a 10 s, single-attempt outbound sender.
type Config struct {
	// Accounts that may log in. Empty means DefaultAccounts().
	Accounts []Account
	// SessionTTL is how long a session lives after login. Zero means
	// DefaultSessionTTL (2 h, like ZStack).
	SessionTTL time.Duration
	// MaxSessionsPerAccount bounds each account's live sessions (0 means
	// DefaultMaxSessionsPerAccount, 500, ZStack's default); a login beyond
	// it is refused with 503 ID.1006 until one expires or logs out.
	MaxSessionsPerAccount int
	// MaxEndpoints and MaxAtPersons bound the DingTalk endpoints and
	// at-persons kept (0 means DefaultMaxEndpoints, DefaultMaxAtPersons);
	// a create beyond them is refused with 503 SYS.1006.
	MaxEndpoints, MaxAtPersons int
	// MaxJobs bounds the async jobs (Async) running at once (0 means
	// DefaultMaxJobs); one more is refused with 503 SYS.1006, before any
	// webhook is called.
	MaxJobs int
	// Async makes test-connection answer as ZStack does: HTTP 202 with a
	// location to poll at /zstack/v1/api-jobs/{id}. Off by default, when it
	// answers 200 (or 503) directly, as the API page documents.
	Async bool
	// JobTTL is how long a finished async job's result can be fetched;
	// after that its location answers 404 "the job has been expired".
	// Zero means DefaultJobTTL.
	JobTTL time.Duration
	// PublicURL, when set (e.g. "https://sns.example.com"), is the base of
	// async job locations. Empty means http(s)://<request Host>.
	PublicURL string
	// DataDir, when set, keeps endpoints and at-persons in DataDir/sns.db
	// (bbolt, fsynced on every commit). Empty means in memory.
	DataDir string
	// Outbound configures the webhook sender: per-attempt timeout (10 s),
	// retries (0), response cap (1 MiB), allow/deny lists of hosts and
	// CIDR ranges, TLS. Its Logger defaults to Config.Logger.
	Outbound webhook.Config
	// Now is the clock for sessions, job expiry and record dates. Nil means
	// time.Now. Signing has its own hook, Outbound.Now, since ZStack and
	// DingTalk keep separate clocks. Every clock hook in the project has
	// this shape; a mockdingtalk.Server's Now method is one.
	Now func() time.Time
	// Location is the time zone dates are written in ("Jan 2, 2006 3:04:05
	// PM", as ZStack writes them). Nil means time.Local.
	Location *time.Location
	// Logger receives the server's logs. Nil means slog.Default(). Secrets
	// are never logged.
	Logger *slog.Logger
}
