// Smoke specs for the container image, against a running container as a
// user runs it: it builds with `make image`'s script, starts, reports
// healthy through its own binary, accepts the signed curl it prints, serves
// the SNS API and the inbox, keeps SNS data in a volume across containers,
// stops cleanly on SIGTERM within a second, and the Python example's tests
// pass against it. They use the engine scripts/container-engine picks
// (podman or docker) and skip with its reason when none works; CI installs
// podman (.ci/run).

package container_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/exampletest"
)

func TestContainer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e/container: the image, run by podman or docker")
}

var (
	root   string
	engine []string // e.g. podman --runtime runc
	image  string   // the image built for this run
	serial atomic.Int32
)

// The image is built once per run under a name of its own, so runs by
// different people on one machine do not collide, and removed afterwards.
var _ = BeforeSuite(func() {
	var err error
	root, err = exampletest.Root()
	Expect(err).NotTo(HaveOccurred())
	out, err := exec.Command(filepath.Join(root, "scripts", "container-engine")).CombinedOutput()
	if err != nil {
		Skip("container specs skipped: " + strings.TrimSpace(string(out)) + " (CI installs podman: .ci/run)")
	}
	engine = strings.Fields(string(out))

	name := fmt.Sprintf("localhost/mockdingtalk-e2e-%d", os.Getpid())
	build := exec.Command(filepath.Join(root, "scripts", "image.sh"), name)
	build.Env = append(os.Environ(), "VERSION=e2e", "CONTAINER_ENGINE="+strings.Join(engine, " "))
	session, err := gexec.Start(build, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	Eventually(session, 5*time.Minute).Should(gexec.Exit(0), "scripts/image.sh")
	image = name + ":e2e"
	DeferCleanup(func() { run("image", "rm", "-f", image, name+":latest") })
})

// run runs the engine with args, expects success, and returns its stdout.
func run(args ...string) string {
	GinkgoHelper()
	out, err := runErr(args...)
	Expect(err).NotTo(HaveOccurred(), "%s %s: %s", strings.Join(engine, " "), strings.Join(args, " "), out)
	return out
}

// runErr runs the engine with args and returns its stdout (and stderr on failure).
func runErr(args ...string) (string, error) {
	cmd := exec.Command(engine[0], append(engine[1:], args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	fmt.Fprintf(GinkgoWriter, "$ %s %s\n", strings.Join(engine, " "), strings.Join(args, " "))
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return strings.TrimSpace(string(out)), nil
}

// A container of the image, published on a free loopback port.
type container struct {
	name string
	base string // http://127.0.0.1:<host port>
}

// startContainer runs the image with extra run arguments (before the image
// name) and args (after it, to the binary), waits until it answers, and
// removes it when the spec ends. The sandbox flags (--ulimit) are harmless
// elsewhere: the values are what a container gets anyway.
func startContainer(extra []string, args ...string) *container {
	GinkgoHelper()
	port := freePort()
	c := &container{
		name: fmt.Sprintf("mockdingtalk-e2e-%d-%d", os.Getpid(), serial.Add(1)),
		base: fmt.Sprintf("http://127.0.0.1:%d", port),
	}
	runArgs := []string{"run", "-d", "--name", c.name,
		"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
		"-p", fmt.Sprintf("127.0.0.1:%d:8090", port),
		// so the URLs it prints and returns are the ones reachable from here
		"-e", "MOCKDINGTALK_PUBLIC_URL=" + c.base}
	runArgs = append(append(append(runArgs, extra...), image), args...)
	run(runArgs...)
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			logs, _ := runErr("logs", c.name)
			fmt.Fprintf(GinkgoWriter, "logs of %s:\n%s\n", c.name, logs)
		}
		_, _ = runErr("rm", "-f", "-v", c.name) // -v: the anonymous /data volume too
	})
	Eventually(func() (int, error) { s, _, err := get(c.base + "/_mock/health"); return s, err }, 30*time.Second, 100*time.Millisecond).
		Should(Equal(200), "the container answers on "+c.base)
	return c
}

// logs is what the container printed so far, stdout and stderr.
func (c *container) logs() string {
	GinkgoHelper()
	cmd := exec.Command(engine[0], append(engine[1:], "logs", c.name)...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return string(out)
}

// freePort is a loopback port nothing listens on right now.
func freePort() int {
	GinkgoHelper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// inspect decodes `<engine> <kind> inspect` of name (one object).
func inspect(kind, name string, into any) {
	GinkgoHelper()
	var list []json.RawMessage
	Expect(json.Unmarshal([]byte(run(kind, "inspect", name)), &list)).To(Succeed())
	Expect(list).To(HaveLen(1))
	Expect(json.Unmarshal(list[0], into)).To(Succeed())
}
