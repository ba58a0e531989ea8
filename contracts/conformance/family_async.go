// The async family: ZStack's job protocol, for targets that answer
// test-connection with 202 (ZStack itself does). Against a synchronous
// target the rule is skipped; every other rule follows jobs transparently.

package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

func asyncRules() []Rule {
	return []Rule{{
		ID: "async.job-protocol", Family: FamilyAsync, Level: Must, Source: SrcZStackJobs,
		Text:  "an async test-connection answers 202 {location: absolute URL of /zstack/v1/api-jobs/<id>}; polling it gives 202 until the result (200 with connected and webhookResp); other methods on it get 405, an unknown job 404",
		Check: checkJobProtocol,
	}}
}

func checkJobProtocol(ctx context.Context, h *Harness) error {
	robot, err := h.NewRobot(true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	body := fmt.Appendf(nil, `{"params":{"testMsg":"async job","url":%q,"secret":%q}}`, robot.Webhook, robot.Secret)
	auth := "OAuth " + h.session
	first, err := h.do(ctx, http.MethodPost, h.target+PathTestConnection, body, auth)
	if err != nil {
		return err
	}
	if first.Status != http.StatusAccepted {
		return skipf("the target answers test-connection synchronously (HTTP %d); ZStack answers 202 and a job to poll", first.Status)
	}
	var job struct {
		Location any `json:"location"`
	}
	if err := first.JSON(&job); err != nil {
		return err
	}
	loc, ok := job.Location.(string)
	if !ok {
		return fmt.Errorf("the 202 answer has no location string: %s", first.Describe())
	}
	u, err := url.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasPrefix(u.Path, PathJobs+"/") {
		return fmt.Errorf("location %q is not an absolute http(s) URL of %s/<id>, as ZStack writes it", loc, PathJobs)
	}
	final, err := h.follow(ctx, loc, auth)
	if err != nil {
		return err
	}
	if final.Status != http.StatusOK {
		return fmt.Errorf("the job's result is not 200: %s", final.Describe())
	}
	var res TestConnectionResult
	if err := final.JSON(&res); err != nil {
		return err
	}
	if res.Connected == nil || res.WebhookResp == nil {
		return fmt.Errorf("the job's result lacks connected or webhookResp: %s", final.Describe())
	}
	poll := h.target + u.EscapedPath()
	for _, m := range []string{http.MethodPost, http.MethodDelete} {
		a, err := h.do(contracts.Negative(ctx), m, poll, nil, auth)
		if err != nil {
			return err
		}
		if a.Status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s on the job location answered HTTP %d; ZStack answers 405: %s", m, a.Status, a.Describe())
		}
	}
	a, err := h.do(ctx, http.MethodGet, h.target+PathJobs+"/"+randomHex(16), nil, auth)
	if err != nil {
		return err
	}
	if a.Status != http.StatusNotFound {
		return fmt.Errorf("an unknown job answered HTTP %d; expected 404: %s", a.Status, a.Describe())
	}
	return nil
}
