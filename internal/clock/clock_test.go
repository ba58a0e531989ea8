// Specs of the movable clock: real, offset, frozen, advanced and real
// again, and safe to move while others read it.

package clock_test

import (
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/clock"
)

var _ = Describe("Clock", func() {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

	It("is real by default, and can be offset, frozen, advanced and made real again", func() {
		var c clock.Clock
		Expect(c.Now()).To(BeTemporally("~", time.Now(), time.Second))
		Expect(c.State().Frozen).To(BeFalse())

		c.SetOffset(-3 * time.Hour)
		Expect(c.Now()).To(BeTemporally("~", time.Now().Add(-3*time.Hour), time.Second))
		Expect(c.State().Offset).To(Equal(-3 * time.Hour))

		c.Set(t0, true)
		Expect(c.Now()).To(BeTemporally("==", t0))
		Expect(c.State().Frozen).To(BeTrue())
		c.Advance(90 * time.Second)
		Expect(c.Now()).To(BeTemporally("==", t0.Add(90*time.Second)))
		Expect(c.State().Offset).To(BeNumerically("~", time.Until(t0.Add(90*time.Second)), time.Second))

		c.SetOffset(0)
		Expect(c.State().Frozen).To(BeFalse())
		Expect(c.Now()).To(BeTemporally("~", time.Now(), time.Second))
	})

	It("runs on from a time it is set to without freezing, and advances while running", func() {
		c := clock.Frozen(t0)
		c.Set(t0, false)
		Expect(c.State().Frozen).To(BeFalse())
		Expect(c.Now()).To(BeTemporally("~", t0, time.Second))
		c.Advance(-time.Hour)
		Expect(c.Now()).To(BeTemporally("~", t0.Add(-time.Hour), time.Second))
	})

	It("loses no Advance when many goroutines move it at once", func() {
		c := clock.Frozen(t0)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				c.Advance(time.Second)
				_ = c.Now()
			})
		}
		wg.Wait()
		Expect(c.Now()).To(Equal(t0.Add(50 * time.Second)))
	})
})
