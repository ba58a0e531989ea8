// Specs for a damaged bbolt file: each way a real file gets damaged
// (truncated mid-page, pages overwritten mid-file, garbage, a record that
// is not JSON) is refused when the store is opened, with an error that
// names the file and says what to do, and never a panic; a missing or empty
// file starts an empty store with a log line that says so.

package store_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	bolt "go.etcd.io/bbolt"

	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// filledStore writes a store with enough endpoints to span many pages and
// returns its file's path, closed.
func filledStore() string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	st, err := store.OpenBolt(dir, nil)
	Expect(err).NotTo(HaveOccurred())
	for i := range 400 {
		ep := endpoint(fmt.Sprintf("%032d", i), t0)
		ep.Description = strings.Repeat("d", 200)
		Expect(st.PutEndpoint(ep, person(fmt.Sprintf("p%031d", i), ep.UUID, "+86-13800000000"))).To(Succeed())
	}
	Expect(st.Close()).To(Succeed())
	path := filepath.Join(dir, store.FileName)
	info, err := os.Stat(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(info.Size()).To(BeNumerically(">", 16*4096), "the file spans many pages")
	return path
}

// damage rewrites part of the file at path.
func damage(path string, at int64, data []byte) {
	GinkgoHelper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteAt(data, at)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
}

func garbage(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var _ = Describe("a damaged bbolt file", Label("hostile"), func() {
	DescribeTable("is refused on open with what to do, and no panic",
		func(harm func(path string)) {
			path := filledStore()
			harm(path)
			var st store.Store
			var err error
			Expect(func() { st, err = store.OpenBolt(filepath.Dir(path), nil) }).NotTo(Panic())
			Expect(st).To(BeNil())
			Expect(err).To(MatchError(store.ErrCorrupt))
			Expect(err.Error()).To(ContainSubstring(path))
			Expect(err.Error()).To(ContainSubstring("Restore it from a backup, or move it aside (mv " + path + " " + path + ".corrupt)"))
			Expect(err.Error()).NotTo(ContainSubstring("goroutine"), "no stack trace")
		},
		Entry("truncated mid-page", func(path string) {
			info, _ := os.Stat(path)
			Expect(os.Truncate(path, info.Size()/2+1234)).To(Succeed())
		}),
		Entry("truncated to less than its meta pages", func(path string) {
			Expect(os.Truncate(path, 5000)).To(Succeed())
		}),
		Entry("pages overwritten mid-file", func(path string) {
			info, _ := os.Stat(path)
			damage(path, info.Size()/2/4096*4096, garbage(3*4096, 1))
		}),
		Entry("every page but the meta pages overwritten", func(path string) {
			info, _ := os.Stat(path)
			damage(path, 2*4096, garbage(int(info.Size())-2*4096, 2))
		}),
		Entry("all garbage", func(path string) {
			info, _ := os.Stat(path)
			damage(path, 0, garbage(int(info.Size()), 3))
		}),
		Entry("both meta pages zeroed", func(path string) {
			damage(path, 0, make([]byte, 2*4096))
		}),
		Entry("a record that is no longer JSON (bytes changed inside a value)", func(path string) {
			db, err := bolt.Open(path, 0o600, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("endpoints")).Put([]byte("broken"), []byte(`{"uuid":"broken",`))
			})).To(Succeed())
			Expect(db.Close()).To(Succeed())
		}),
	)

	DescribeTable("starts an empty store, saying so, when the file is",
		func(prepare func(dir string), logged string) {
			dir := GinkgoT().TempDir()
			prepare(dir)
			logs := gbytes.NewBuffer()
			st, err := store.OpenBolt(dir, slog.New(slog.NewTextHandler(logs, nil)))
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(st.Close)
			Expect(logs).To(gbytes.Say(logged))
			Expect(string(logs.Contents())).To(ContainSubstring(filepath.Join(dir, store.FileName)))
			eps, err := st.Endpoints()
			Expect(err).NotTo(HaveOccurred())
			Expect(eps).To(BeEmpty())
			Expect(st.PutEndpoint(endpoint("a", t0))).To(Succeed())
		},
		Entry("missing", func(string) {}, "no data file yet; starting with an empty store"),
		Entry("zero-length", func(dir string) {
			Expect(os.WriteFile(filepath.Join(dir, store.FileName), nil, 0o600)).To(Succeed())
		}, `the data file is empty \(0 bytes`),
	)

	It("refuses every later write once an operation finds damage, instead of acknowledging it", func() {
		path := filledStore()
		st, err := store.OpenBolt(filepath.Dir(path), nil)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		info, _ := os.Stat(path)
		// Damage every page but the meta pages under the open store: the
		// memory map shows the new bytes to the next read.
		damage(path, 2*4096, garbage(int(info.Size())-2*4096, 4))
		var readErr error
		Expect(func() { _, readErr = st.Endpoints() }).NotTo(Panic())
		Expect(readErr).To(HaveOccurred())
		if !strings.Contains(readErr.Error(), "damaged") {
			Skip("this damage decoded as bad records rather than tripping bbolt: " + readErr.Error())
		}
		Expect(st.PutEndpoint(endpoint("new", t0))).To(MatchError(store.ErrCorrupt), "no acknowledgement after the damage was found")
	})
})
