// The server side of the binary: run wires settings, logger, listener, the
// fake robot and the HTTP server, and shuts them down gracefully; routes is
// the one place that decides which handler serves which path.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/deadline"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// deadlineTick is how late at most the server's timeouts (read header 10 s,
// read 1 min, write 11 min, idle 2 min) cut a slow client off: its
// listener applies passed deadlines in sweeps instead of re-arming a
// runtime timer five times per request (package deadline).
const deadlineTick = 250 * time.Millisecond

// ZStackPrefix is the path prefix of ZStack's SNS API on the shared listener.
const ZStackPrefix = "/zstack/"

// routes returns the handler of the whole listener: the router, with fast
// paths in front for the send API and the SNS API. Going through
// gorilla/mux costs a robot send 7 more allocations and 848 more bytes
// (3 → 10 allocations per unsigned send in BenchmarkListenerSend), as mux
// copies the request twice to store the route and its variables in its
// context; an SNS call pays the same before the SNS API's own router. The
// fast paths send a request exactly where the router would (a path prefix
// is all its route checks, and SkipClean leaves the path alone), and the
// handlers read nothing from the outer router's context.
func routes(fake, zstack http.Handler) http.Handler {
	r := router(fake, zstack)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case req.URL.Path == mockdingtalk.SendPath:
			fake.ServeHTTP(w, req)
		case zstack != nil && strings.HasPrefix(req.URL.Path, ZStackPrefix):
			zstack.ServeHTTP(w, req)
		default:
			r.ServeHTTP(w, req)
		}
	})
}

// router mounts each part on one gorilla/mux router: zstack (when not nil)
// under /zstack/, the fake robot (send API, admin API, inbox) everywhere
// else. Each part answers its own 404s and 405s. SkipClean leaves paths
// such as "//robot/send" to the fake, which answers them as DingTalk does
// instead of mux's redirect.
func router(fake, zstack http.Handler) *mux.Router {
	r := mux.NewRouter().SkipClean(true)
	if zstack != nil {
		r.PathPrefix(ZStackPrefix).Handler(zstack)
	}
	r.PathPrefix("/").Handler(fake)
	return r
}

// run starts the server with args and the environment (through lookupEnv),
// prints the banner to stdout and logs to stderr, and serves until ctx ends;
// then it shuts down gracefully and returns nil.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	s, err := loadSettings(args, lookupEnv, stdout)
	if err != nil {
		return err
	}
	log := newLogger(stderr, s.LogLevel)

	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (another mockdingtalk running? pick another port with -listen)", s.Listen, err)
	}
	defer ln.Close()
	if !loopback(ln.Addr()) && !s.AllowRemote {
		return fmt.Errorf("refusing to listen on %s, beyond loopback: anyone who can reach it could read and change the fake (robot secrets included) and make the SNS API send HTTP requests; pass -allow-remote to do it on purpose, with -admin-token (and -sns-webhook-deny-private)", ln.Addr())
	}
	base := s.PublicURL
	if base == "" {
		base = "http://" + reachableAddr(ln.Addr().String())
	}

	var zstack *sns.Server // set below, before anything is served
	fake, err := mockdingtalk.New(mockdingtalk.Config{
		Dialect:           s.Dialect,
		JournalCap:        s.JournalCap,
		JournalMaxBytes:   s.JournalMaxBytes,
		Robots:            s.Robots,
		Apps:              s.Apps,
		Groups:            s.Groups,
		CallbackTimeout:   s.CallbackTimeout,
		AppRateLimit:      &s.AppRateLimit,
		Logger:            log,
		PublicURL:         base,
		TrustForwardedFor: s.TrustForwardedFor,
		FreezeAt:          s.FreezeAt,
		ClockOffset:       s.ClockOffset,
		AdminToken:        s.AdminToken,
		AllowedHosts:      append(listenNames(s.Listen), s.AllowedHosts...),
		HealthExtra: map[string]func() any{
			"sns":     func() any { return zstack.Stats() },
			"process": func() any { return map[string]int{"goroutines": runtime.NumGoroutine()} },
		},
	})
	if err != nil {
		return s.explain(err)
	}
	defer fake.Close()

	// srv is set below, before anything is served; in-process SNS sends
	// go through its handler, as a TCP send would.
	var srv *http.Server
	snsCfg := s.SNS
	snsCfg.Logger = log
	snsCfg.PublicURL = base
	if s.SNSInProcess {
		snsCfg.Outbound.Local = &webhook.Local{
			Addrs:   []string{reachableAddr(ln.Addr().String())},
			Paths:   []string{mockdingtalk.SendPath},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Handler.ServeHTTP(w, r) }),
		}
	}
	zstack, err = sns.New(snsCfg)
	if err != nil {
		return fmt.Errorf("sns: %w", err)
	}
	defer zstack.Close()

	// The fake robot's own server limits (mockdingtalk.Start uses them too)
	// fit the whole listener: WriteTimeout leaves room for the longest
	// legitimate answer of the fake, a 10-minute wait (/_mock/messages/wait)
	// or delay fault (an SNS call lasts its webhook timeout and retries);
	// the inbox's event stream lifts the deadline itself.
	srv = mockdingtalk.NewHTTPServer(routes(fake, zstack))
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	// Once the listener is closed, release what would otherwise hold the
	// shutdown until its bound: hang faults, waits and inbox streams.
	srv.RegisterOnShutdown(fake.Close)

	if !loopback(ln.Addr()) {
		if s.AdminToken == "" {
			log.Warn("listening beyond loopback without -admin-token: anyone who can reach this address can use the fake's admin API and inbox", "listen", ln.Addr().String())
		}
		if !s.SNS.Outbound.DenyPrivate {
			log.Warn("listening beyond loopback without -sns-webhook-deny-private: SNS API users can make this server send requests into its own network", "listen", ln.Addr().String())
		}
	}
	log.Info("mockdingtalk started", "listen", ln.Addr().String(), "url", base, "robots", len(s.Robots),
		"era", string(eraOf(s.Dialect)), "journalCap", s.JournalCap, "journalMaxBytes", s.JournalMaxBytes, "config", s.ConfigPath)
	printBanner(stdout, fake, base, s)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(deadline.NewListener(ln, deadlineTick)) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down", "timeout", s.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still in flight at the shutdown timeout; closing their connections", "timeout", s.ShutdownTimeout.String())
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

func eraOf(d dingtalk.Dialect) dingtalk.Era {
	if d.Era == "" {
		return dingtalk.EraDescription
	}
	return d.Era
}

// reachableAddr is a listen address (host:port) as a client on this
// machine reaches it: an unspecified host (0.0.0.0, ::, none) becomes 127.0.0.1.
func reachableAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// listenNames is the host of a -listen address given as a name
// (myhost.example.com:8090), which the admin API then answers under; none
// for an IP address or an empty host.
func listenNames(listen string) []string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return nil
	}
	return []string{host}
}

func hostOf(a net.Addr) string {
	host, _, _ := net.SplitHostPort(a.String())
	return host
}

// loopback reports whether a listener's address is reachable only from
// this machine.
func loopback(a net.Addr) bool {
	ip := net.ParseIP(hostOf(a))
	return ip != nil && ip.IsLoopback()
}

// newLogger returns a text logger at level that masks any attribute whose
// key mentions a secret, wherever it comes from.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindString && strings.Contains(strings.ToLower(a.Key), "secret") &&
				!strings.Contains(a.Value.String(), "…") { // not masked already
				return slog.String(a.Key, redact.Secret(a.Value.String()))
			}
			return a
		},
	}))
}
