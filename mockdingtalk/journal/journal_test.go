// Specs for the bounded journal: the cap and its drop count, filters,
// waiting, clearing, and JSON that keeps every body byte.

package journal_test

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

func seqs(es []journal.Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

var _ = Describe("Journal", func() {
	var j *journal.Journal
	BeforeEach(func() { j = journal.New(journal.Config{Cap: 3}) })

	It("numbers entries from 1 and keeps the newest up to its cap, counting drops", func() {
		for i := 0; i < 5; i++ {
			j.Append(journal.Entry{AccessToken: "a"})
		}
		Expect(j.Cap()).To(Equal(3))
		Expect(j.Len()).To(Equal(3))
		Expect(j.Dropped()).To(BeEquivalentTo(2))
		Expect(seqs(j.List(journal.Filter{}))).To(Equal([]uint64{3, 4, 5}))
		Expect(j.LastSeq()).To(BeEquivalentTo(5))
	})

	It("defaults to DefaultCap", func() {
		Expect(journal.New(journal.Config{Cap: 0}).Cap()).To(Equal(journal.DefaultCap))
	})

	It("filters by robot, by sequence, by delivery and caps the count", func() {
		j = journal.New(journal.Config{Cap: 10})
		j.Append(journal.Entry{AccessToken: "a", Delivered: true})
		j.Append(journal.Entry{AccessToken: "b"})
		j.Append(journal.Entry{AccessToken: "a"})
		j.Append(journal.Entry{AccessToken: "a", Delivered: true})
		yes := true
		Expect(seqs(j.List(journal.Filter{AccessToken: "a"}))).To(Equal([]uint64{1, 3, 4}))
		Expect(seqs(j.List(journal.Filter{Since: 2}))).To(Equal([]uint64{3, 4}))
		Expect(seqs(j.List(journal.Filter{Delivered: &yes}))).To(Equal([]uint64{1, 4}))
		Expect(seqs(j.List(journal.Filter{Limit: 2}))).To(Equal([]uint64{1, 2}))
		Expect(j.List(journal.Filter{AccessToken: "zzz"})).To(BeEmpty())
	})

	It("finds entries after a sequence number across drops and clears", func() {
		for i := 0; i < 5; i++ {
			j.Append(journal.Entry{})
		}
		Expect(seqs(j.List(journal.Filter{Since: 1}))).To(Equal([]uint64{3, 4, 5}))
		Expect(seqs(j.List(journal.Filter{Since: 3}))).To(Equal([]uint64{4, 5}))
		Expect(j.List(journal.Filter{Since: 5})).To(BeEmpty())
		Expect(j.List(journal.Filter{Since: 99})).To(BeEmpty())
		j.Clear()
		j.Append(journal.Entry{})
		j.Append(journal.Entry{})
		Expect(seqs(j.List(journal.Filter{Since: 4}))).To(Equal([]uint64{6, 7}))
		Expect(seqs(j.List(journal.Filter{Since: 6}))).To(Equal([]uint64{7}))
	})

	It("clears entries and drops but keeps numbering", func() {
		for i := 0; i < 4; i++ {
			j.Append(journal.Entry{})
		}
		j.Clear()
		Expect(j.Len()).To(BeZero())
		Expect(j.Dropped()).To(BeZero())
		Expect(j.Append(journal.Entry{}).Seq).To(BeEquivalentTo(5))
	})

	It("signals every change", func() {
		ch := j.Changed()
		Consistently(ch).ShouldNot(BeClosed())
		j.Append(journal.Entry{})
		Expect(ch).To(BeClosed())
		ch = j.Changed()
		j.Clear()
		Expect(ch).To(BeClosed())
	})

	It("waits until enough entries match, and gives up with the context", func(ctx SpecContext) {
		done := make(chan []journal.Entry)
		go func() {
			defer GinkgoRecover()
			got, err := j.Wait(ctx, journal.Filter{AccessToken: "a"}, 2)
			Expect(err).NotTo(HaveOccurred())
			done <- got
		}()
		j.Append(journal.Entry{AccessToken: "a"})
		j.Append(journal.Entry{AccessToken: "b"})
		Consistently(done).ShouldNot(Receive())
		j.Append(journal.Entry{AccessToken: "a"})
		Eventually(done).Should(Receive(HaveLen(2)))

		short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		got, err := j.Wait(short, journal.Filter{AccessToken: "a"}, 5)
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Expect(got).To(HaveLen(2))
	}, SpecTimeout(5*time.Second))

	It("keeps every append under concurrency", func() {
		j = journal.New(journal.Config{Cap: 1000})
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					j.Append(journal.Entry{})
				}
			}()
		}
		wg.Wait()
		Expect(j.Len()).To(Equal(1000))
		Expect(j.Dropped()).To(BeEquivalentTo(600))
		Expect(j.LastSeq()).To(BeEquivalentTo(1600))
	})

	It("writes bodies as text when they are UTF-8 and as base64 otherwise, losing no byte", func() {
		e := journal.Entry{Seq: 7, Body: []byte(`{"msgtype":"text"}`), Response: journal.Response{Status: 200, Body: []byte{0xff, 0x00}}}
		b, err := json.Marshal(e)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring(`"body":"{\"msgtype\":\"text\"}"`))
		Expect(string(b)).To(ContainSubstring(`"bodyBase64":"/wA="`))
		var back journal.Entry
		Expect(json.Unmarshal(b, &back)).To(Succeed())
		Expect(back.Body).To(Equal(e.Body))
		Expect(back.Response.Body).To(Equal(e.Response.Body))
		Expect(back.Seq).To(BeEquivalentTo(7))
	})
})
