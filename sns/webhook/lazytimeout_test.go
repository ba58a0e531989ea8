// Specs for lazyTimeout: it answers Err, Done and Value as the
// context.WithTimeout it stands for, whether or not Done was called.

package webhook

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("lazyTimeout", func() {
	type key struct{}
	parent := func() (context.Context, context.CancelFunc) {
		return context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	}

	It("is live, with its parent's values, until something ends it", func() {
		p, cancelParent := parent()
		defer cancelParent()
		c := newLazyTimeout(p, time.Hour)
		defer c.cancel()
		Expect(c.Err()).To(Succeed())
		Expect(c.Value(key{})).To(Equal("v"))
		d, ok := c.Deadline()
		Expect(ok).To(BeTrue())
		Expect(d).To(BeTemporally("~", time.Now().Add(time.Hour), time.Minute))
		Expect(c.Done()).NotTo(BeClosed())
		Expect(c.Value(key{})).To(Equal("v"), "after Done too")
	})

	It("is past its deadline without Done being called, and Done is closed then", func() {
		c := newLazyTimeout(context.Background(), -time.Second)
		defer c.cancel()
		Expect(c.Err()).To(MatchError(context.DeadlineExceeded))
		Expect(c.Done()).To(BeClosed())
		Expect(c.Err()).To(MatchError(context.DeadlineExceeded))
	})

	It("keeps an earlier deadline of its parent", func() {
		p, cancelParent := context.WithTimeout(context.Background(), time.Minute)
		defer cancelParent()
		c := newLazyTimeout(p, time.Hour)
		defer c.cancel()
		pd, _ := p.Deadline()
		d, _ := c.Deadline()
		Expect(d).To(Equal(pd))
	})

	DescribeTable("ends with its parent or its cancel, before or after Done",
		func(doneFirst, byParent bool) {
			p, cancelParent := parent()
			defer cancelParent()
			c := newLazyTimeout(p, time.Hour)
			var done <-chan struct{}
			if doneFirst {
				done = c.Done()
			}
			if byParent {
				cancelParent()
			} else {
				c.cancel()
			}
			if !doneFirst {
				done = c.Done()
			}
			Eventually(done).Should(BeClosed())
			Expect(c.Err()).To(MatchError(context.Canceled))
			c.cancel()
		},
		Entry("parent, Done first", true, true),
		Entry("parent, Done after", false, true),
		Entry("cancel, Done first", true, false),
		Entry("cancel, Done after", false, false),
	)

	It("is found by a context derived from it, which ends with it", func() {
		p, cancelParent := parent()
		defer cancelParent()
		c := newLazyTimeout(p, time.Hour)
		child, cancelChild := context.WithCancel(c)
		defer cancelChild()
		Expect(child.Err()).To(Succeed())
		c.cancel()
		Eventually(child.Done()).Should(BeClosed())
		Expect(child.Err()).To(MatchError(context.Canceled))
	})
})
