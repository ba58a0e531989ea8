// Specs of the deadline listener: its connections fail blocked reads and
// writes once their deadline passes (within a tick), not before; a
// deadline moved later or lifted does not fire; a passed deadline acts at
// once and can be lifted again; an http.Server behind it still cuts off a
// slowloris client and serves keep-alive requests; closed connections are
// forgotten.

package deadline_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/deadline"
)

const tick = 20 * time.Millisecond

// pair returns a server-side connection accepted by a deadline listener
// and the client's end of it.
func pair() (server, client net.Conn, l *deadline.Listener) {
	return pairSweeping(tick)
}

// pairSweeping is pair with the listener sweeping every t.
func pairSweeping(t time.Duration) (server, client net.Conn, l *deadline.Listener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	l = deadline.NewListener(ln, t)
	DeferCleanup(l.Close)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = client.Close() })
	Eventually(accepted).Should(Receive(&server))
	DeferCleanup(func() { _ = server.Close() })
	return server, client, l
}

// readInBackground reads from c until an error and sends it.
func readInBackground(c net.Conn) <-chan error {
	errs := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := c.Read(buf); err != nil {
				errs <- err
				return
			}
		}
	}()
	return errs
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout()
}

var _ = Describe("A connection of the deadline listener", func() {
	It("fails a blocked read once its read deadline passes, with the timeout error of net", func() {
		server, _, _ := pair()
		set := time.Now()
		Expect(server.SetReadDeadline(set.Add(50 * time.Millisecond))).To(Succeed())
		errs := readInBackground(server)
		var err error
		Eventually(errs, 2*time.Second).Should(Receive(&err))
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		Expect(time.Since(set)).To(BeNumerically(">=", 50*time.Millisecond), "not before the deadline")
	})

	It("fails a blocked write once its write deadline passes", func() {
		server, _, _ := pair() // the client never reads
		Expect(server.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))).To(Succeed())
		errs := make(chan error, 1)
		go func() {
			chunk := make([]byte, 1<<20)
			for {
				if _, err := server.Write(chunk); err != nil {
					errs <- err
					return
				}
			}
		}()
		var err error
		Eventually(errs, 2*time.Second).Should(Receive(&err))
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
	})

	It("does not fire a deadline moved later or lifted before it passed", func() {
		server, client, _ := pair()
		Expect(server.SetReadDeadline(time.Now().Add(30 * time.Millisecond))).To(Succeed())
		Expect(server.SetReadDeadline(time.Now().Add(time.Hour))).To(Succeed())
		Expect(server.SetWriteDeadline(time.Now().Add(30 * time.Millisecond))).To(Succeed())
		Expect(server.SetWriteDeadline(time.Time{})).To(Succeed())
		errs := readInBackground(server)
		Consistently(errs, 10*tick, tick).ShouldNot(Receive())
		_, err := server.Write([]byte("still writable"))
		Expect(err).NotTo(HaveOccurred())
		client.Close()
		Eventually(errs).Should(Receive(&err))
		Expect(isTimeout(err)).To(BeFalse(), "the end of the connection, not a deadline: %v", err)
	})

	It("applies a deadline that has already passed at once, and lifts it when a later one is set", func() {
		server, client, _ := pairSweeping(time.Hour) // no sweep during the spec
		errs := readInBackground(server)
		Expect(server.SetReadDeadline(time.Unix(1, 0))).To(Succeed()) // as net/http aborts a read
		var err error
		Eventually(errs).Should(Receive(&err), "without waiting for a sweep")
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)

		Expect(server.SetReadDeadline(time.Time{})).To(Succeed())
		_, err = client.Write([]byte("next request"))
		Expect(err).NotTo(HaveOccurred())
		buf := make([]byte, len("next request"))
		_, err = io.ReadFull(server, buf)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(buf)).To(Equal("next request"))
	})

	It("sets both directions with SetDeadline, and a deadline of now acts at once", func() {
		server, _, _ := pairSweeping(time.Hour) // no sweep during the spec
		Expect(server.SetDeadline(time.Now())).To(Succeed())
		_, err := server.Read(make([]byte, 1))
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
		_, err = server.Write([]byte("x"))
		Expect(isTimeout(err)).To(BeTrue(), "%v", err)
	})

	It("keeps what net/http looks for on a TCP connection: CloseWrite and ReadFrom", func() {
		server, client, _ := pair()
		_, ok := server.(io.ReaderFrom)
		Expect(ok).To(BeTrue())
		n, err := server.(io.ReaderFrom).ReadFrom(strings.NewReader("sent"))
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(BeEquivalentTo(4))
		Expect(server.(interface{ CloseWrite() error }).CloseWrite()).To(Succeed())
		Expect(io.ReadAll(client)).To(Equal([]byte("sent")))
	})

	It("is forgotten once closed", func() {
		server, _, l := pair()
		Expect(l.Open()).To(Equal(1))
		Expect(server.Close()).To(Succeed())
		Expect(server.Close()).NotTo(Succeed(), "closed twice, as net says")
		Expect(l.Open()).To(Equal(0))
	})
})

var _ = Describe("An http.Server on a deadline listener", func() {
	var base string
	BeforeEach(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		srv := &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = io.WriteString(w, "ok")
			}),
			ReadHeaderTimeout: 100 * time.Millisecond,
			ReadTimeout:       time.Second,
			WriteTimeout:      time.Second,
			IdleTimeout:       300 * time.Millisecond,
		}
		go func() { _ = srv.Serve(deadline.NewListener(ln, tick)) }()
		DeferCleanup(srv.Close)
		base = ln.Addr().String()
	})

	It("cuts off a client that never finishes its header at ReadHeaderTimeout", func() {
		c, err := net.Dial("tcp", base)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(c.Close)
		_, err = io.WriteString(c, "POST /robot/send HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
		_, err = io.ReadAll(c) // 408 or EOF from the server
		Expect(err).NotTo(HaveOccurred(), "closed by the server, not by our deadline")
	})

	It("closes a keep-alive connection left idle at IdleTimeout", func() {
		c, err := net.Dial("tcp", base)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(c.Close)
		br := bufio.NewReader(c)
		for range 3 { // requests on one connection, each re-arming the deadlines
			_, err = io.WriteString(c, "POST /robot/send HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
			Expect(err).NotTo(HaveOccurred())
			resp, err := http.ReadResponse(br, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(io.ReadAll(resp.Body)).To(Equal([]byte("ok")))
		}
		Expect(c.SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
		_, err = br.ReadByte()
		Expect(err).To(MatchError(io.EOF), "closed by the server when idle")
	})
})
