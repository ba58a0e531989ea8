// Command mockdingtalk runs the fake DingTalk group robot as a server: the
// send API (/robot/send), the admin API (/_mock/) and the inbox page (/), on
// one loopback listener. With no arguments it starts on 127.0.0.1:8090 with
// one robot whose token and secret are fixed and documented, and prints a
// ready-to-paste curl command that succeeds.
//
// Usage:
//
//	mockdingtalk [serve] [-listen 127.0.0.1:8090] [-config mockdingtalk.yaml] [-era description|cn|legacy]
//	             [-rate-limit-code 130101|410100|660026] [-unknown-token-code 300005|300001]
//	             [-journal-cap 10000] [-log-level info] [-public-url URL] [-shutdown-timeout 10s]
//	             [-allow-remote] [-admin-token TOKEN] [-sns-webhook-deny-private] [-data-dir DIR] [-sns-…]
//
// A -listen address beyond loopback is refused unless -allow-remote is
// given; then set -admin-token (better: $MOCKDINGTALK_ADMIN_TOKEN) so the
// admin API and the inbox need it, and -sns-webhook-deny-private so SNS API
// users cannot make the server send requests into its own network.
//
// Every flag has an environment variable: MOCKDINGTALK_ and the flag's name
// in upper case with '_' for '-' (MOCKDINGTALK_LISTEN, MOCKDINGTALK_RATE_LIMIT_CODE, …).
// SIGINT or SIGTERM shuts it down gracefully.
//
// Other commands (`mockdingtalk help` lists them):
//
//	mockdingtalk version            the module version and VCS revision (also -version)
//	mockdingtalk health [-url URL]  exit 0 when the instance at URL is healthy, 1 otherwise
//	mockdingtalk conform [-target URL] [-strict] [-junit FILE] [-json FILE] …
//	                                the conformance rules against an SNS DingTalk API
//	                                (docs/conformance.md); exit 1 when a must rule breaks;
//	                                runs the program mockdingtalk-conform (cmd/mockdingtalk-conform)
package main
