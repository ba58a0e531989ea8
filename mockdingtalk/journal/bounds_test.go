// Specs for the journal's bounds in bytes: a flood of large entries keeps
// it under MaxBytes (oldest dropped, counted), an oversized query or header
// block is kept in part and the entry says so, and what is kept reads back
// exactly as it was appended.

package journal_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

var _ = Describe("Journal bounds in bytes", func() {
	It("drops the oldest entries once MaxBytes is reached, and counts them", func() {
		j := journal.New(journal.Config{Cap: 1000, MaxBytes: 1 << 20})
		body := []byte(strings.Repeat("b", 20000))
		for range 200 {
			j.Append(journal.Entry{AccessToken: "a", Body: body})
		}
		st := j.Stats()
		Expect(st.Bytes).To(BeNumerically("<=", 1<<20))
		Expect(st.Entries).To(BeNumerically(">", 40))
		Expect(st.Entries).To(BeNumerically("<", 60))
		Expect(st.Dropped).To(BeEquivalentTo(200 - st.Entries))
		Expect(st.LastSeq).To(BeEquivalentTo(200))
		got := j.List(journal.Filter{})
		Expect(got).To(HaveLen(st.Entries))
		Expect(got[len(got)-1].Seq).To(BeEquivalentTo(200))
		Expect(got[0].Body).To(Equal(body))
	})

	It("keeps one entry larger than the bound, alone", func() {
		j := journal.New(journal.Config{Cap: 10, MaxBytes: 1000})
		j.Append(journal.Entry{Body: []byte("small")})
		j.Append(journal.Entry{Body: []byte(strings.Repeat("x", 5000))})
		Expect(j.Len()).To(Equal(1))
		Expect(j.Dropped()).To(BeEquivalentTo(1))
	})

	It("keeps the first MaxQueryBytes of a huge query and says how long it was", func() {
		j := journal.New(journal.Config{Cap: 10})
		query := "access_token=t&pad=" + strings.Repeat("q", 120<<10)
		e := j.Append(journal.Entry{RawQuery: query})
		Expect(e.RawQuery).To(Equal(query), "Append returns what it was given")
		got := j.List(journal.Filter{})[0]
		Expect(got.RawQuery).To(Equal(query[:journal.MaxQueryBytes]))
		Expect(got.Truncated).To(Equal(&journal.Truncated{RawQueryBytes: len(query)}))
		Expect(j.Stats().Truncated).To(BeEquivalentTo(1))
	})

	It("keeps MaxHeaderBytes of a huge header block, Content-Type first, and says how big it was", func() {
		j := journal.New(journal.Config{Cap: 10})
		h := http.Header{
			"Content-Type": {"application/json"},
			"A-Huge":       {strings.Repeat("h", 120<<10)},
			"B-After":      {"never reached"},
		}
		j.Append(journal.Entry{Header: h})
		got := j.List(journal.Filter{})[0]
		Expect(got.Header.Get("Content-Type")).To(Equal("application/json"))
		Expect(got.Header.Get("A-Huge")).To(HaveLen(journal.MaxHeaderBytes - len("Content-Type") - len("application/json") - len("A-Huge")))
		Expect(got.Header).NotTo(HaveKey("B-After"))
		Expect(got.Truncated).To(Equal(&journal.Truncated{HeaderBytes: 12 + 16 + 6 + 120<<10 + 7 + 13}))
	})

	It("reads back every part as appended: nil and empty kept apart, the answer copied", func() {
		j := journal.New(journal.Config{Cap: 10})
		answer := []byte(`{"errcode":0,"errmsg":"ok"}`)
		j.Append(journal.Entry{
			AccessToken: "tok", Method: "POST", Path: "/robot/send", RawQuery: "a=1",
			Header: http.Header{"X-Two": {"1", ""}, "Empty": {}}, Body: []byte{}, RemoteAddr: "127.0.0.1:1",
			Hint: "hint", Fault: "f1", Accepted: true, Delivered: true,
			Response: journal.Response{Status: 200, ErrMsg: "ok", Body: answer},
			Checks:   []journal.Check{{Name: "method", Passed: true, Detail: "POST"}},
		})
		j.Append(journal.Entry{AccessToken: "other"})
		copy(answer, "XXXX") // the caller's buffer is its own again
		got := j.List(journal.Filter{})
		Expect(got[0]).To(Equal(journal.Entry{
			Seq: 1, AccessToken: "tok", Method: "POST", Path: "/robot/send", RawQuery: "a=1",
			Header: http.Header{"X-Two": {"1", ""}, "Empty": {}}, Body: []byte{}, RemoteAddr: "127.0.0.1:1",
			Hint: "hint", Fault: "f1", Accepted: true, Delivered: true,
			Response: journal.Response{Status: 200, ErrMsg: "ok", Body: []byte(`{"errcode":0,"errmsg":"ok"}`)},
			Checks:   []journal.Check{{Name: "method", Passed: true, Detail: "POST"}},
		}))
		Expect(got[1].Header).To(BeNil())
		Expect(got[1].Body).To(BeNil())
		Expect(got[1].Response.Body).To(BeNil())
		Expect(got[1].Truncated).To(BeNil())
	})

	It("rebuilds what a writer left in a Trail with Config.Expand, and hides the Trail", func() {
		j := journal.New(journal.Config{Cap: 10, Expand: func(e *journal.Entry) {
			e.Checks = []journal.Check{{Name: journal.CheckName(e.Trail.Name), Passed: e.Trail.N == 1}}
		}})
		j.Append(journal.Entry{Trail: journal.Trail{N: 1, Name: "rebuilt"}})
		got := j.List(journal.Filter{})[0]
		Expect(got.Checks).To(Equal([]journal.Check{{Name: "rebuilt", Passed: true}}))
		Expect(got.Trail).To(BeZero())
	})
})
