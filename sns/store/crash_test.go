// The durability spec: a child process writes an endpoint, says so, and is
// killed with SIGKILL; the parent reopens the file and finds it.

package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

const crashChildEnv = "SNS_STORE_CRASH_CHILD_DIR"

// crashChild runs in the child process: it stores one endpoint, prints
// "stored" once PutEndpoint returned, and waits to be killed.
func crashChild(dir string) {
	st, err := store.OpenBolt(dir, nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	ep := store.Endpoint{UUID: "crash", Name: "survivor", URL: "https://robot/send", Secret: "SECxyz", CreateDate: time.Now()}
	if err := st.PutEndpoint(ep, store.AtPerson{UUID: "p", EndpointUUID: "crash", PhoneNumber: "+86-13800000000"}); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("stored")
	select {} // never closes the store: only SIGKILL ends this process
}

var _ = Describe("the bbolt store under kill -9", func() {
	It("keeps an acknowledged endpoint when the process is killed without closing", func() {
		dir := GinkgoT().TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestStore$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

		line, err := bufio.NewReader(out).ReadString('\n')
		Expect(err).NotTo(HaveOccurred())
		Expect(line).To(Equal("stored\n"))
		Expect(cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
		Expect(cmd.Wait()).To(HaveOccurred(), "the child died of SIGKILL")

		st, err := store.OpenBolt(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		ep, err := st.Endpoint("crash")
		Expect(err).NotTo(HaveOccurred())
		Expect(ep.Name).To(Equal("survivor"))
		_, err = st.AtPerson("p")
		Expect(err).NotTo(HaveOccurred())
	})
})
