// `mockdingtalk health`: asks a running instance for /_mock/health and
// exits 0 when it answers {"status":"ok"}, 1 otherwise. The container
// image's HEALTHCHECK runs it, since a scratch image has no curl.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

// runHealth checks the instance at -url; without it, the one this
// environment's MOCKDINGTALK_LISTEN (or the default listen address) serves.
func runHealth(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mockdingtalk health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "", "base URL of the instance (default: http:// and $"+envName("listen")+", or "+DefaultListen+")")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (give the address with -url)", fs.Arg(0))
	}
	u, err := healthURL(*target, lookupEnv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := checkHealth(ctx, u); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ok", u)
	return nil
}

// healthURL is the health endpoint of base, or of the listen address from
// the environment when base is empty.
func healthURL(base string, lookupEnv func(string) (string, bool)) (string, error) {
	if base == "" {
		listen, ok := lookupEnv(envName("listen"))
		if !ok || listen == "" {
			listen = DefaultListen
		}
		if _, _, err := net.SplitHostPort(listen); err != nil {
			return "", fmt.Errorf("$%s=%q is not host:port; give the address with -url", envName("listen"), listen)
		}
		base = "http://" + reachableAddr(listen)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-url %q is not an http:// or https:// URL", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, mockdingtalk.AdminPrefix+"/health") {
		u.Path += mockdingtalk.AdminPrefix + "/health"
	}
	return u.String(), nil
}

// checkHealth returns nil when u answers 200 with status "ok".
func checkHealth(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer in time", u)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error would repeat the URL
		}
		return fmt.Errorf("%s: %w", u, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &body) != nil || body.Status != "ok" {
		return fmt.Errorf("%s answered %s: %.200s", u, resp.Status, strings.TrimSpace(string(raw)))
	}
	return nil
}
