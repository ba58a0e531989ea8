// The compact form the journal stores an entry in: the raw request parts
// (token, method, path, query, headers, body, remote address, hint, fault,
// response body)
// in one byte buffer, the outcome as small values. A full journal is then a
// few pointers per entry for the garbage collector to trace, instead of a
// tree of maps, slices and strings.

package journal

import (
	"cmp"
	"encoding/binary"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Parts of a record's buffer, in order.
const (
	partToken = iota
	partMethod
	partPath
	partQuery
	partHeader
	partBody
	partRemote
	partHint
	partFault
	partResp
	numParts
)

// Flags of a record.
const (
	flagAccepted = 1 << iota
	flagDelivered
	flagDuplicate
	flagHeader   // Header was not nil
	flagBody     // Body was not nil
	flagRespBody // Response.Body was not nil
)

// recordOverhead is what an entry is charged besides its buffer: the
// record itself and a share of the ring.
const recordOverhead = 256

// record is one stored entry.
type record struct {
	seq     uint64
	time    time.Time
	buf     []byte
	end     [numParts]uint32 // end offset of each part in buf
	flags   uint8
	reason  dingtalk.Reason
	status  int
	errCode int
	errMsg  string
	checks  []Check           // as given, when the writer did not use a Trail
	warns   []string          // Warnings, as given
	msg     *dingtalk.Message // as given, when the writer did not use a Trail
	trail   Trail
	trunc   Truncated
	size    int64 // bytes charged against the journal's bound
	// appKey and conversation: see Entry.AppKey, Entry.Conversation.
	appKey, conversation string
}

func (r *record) has(flag uint8) bool { return r.flags&flag != 0 }

// part returns part i of the buffer.
func (r *record) part(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = r.end[i-1]
	}
	return r.buf[start:r.end[i]:r.end[i]]
}

// compact makes the record of e in bytes from chunks, cutting an
// oversized query or header block.
func compact(e *Entry, chunks *chunks) record {
	r := record{
		time: e.Time, reason: e.Reason, status: e.Response.Status, errCode: e.Response.ErrCode,
		errMsg: e.Response.ErrMsg, checks: e.Checks, warns: e.Warnings, msg: e.Message, trail: e.Trail,
		appKey: e.AppKey, conversation: e.Conversation,
	}
	for _, f := range [...]struct {
		on   bool
		flag uint8
	}{{e.Accepted, flagAccepted}, {e.Delivered, flagDelivered}, {e.Duplicate, flagDuplicate},
		{e.Header != nil, flagHeader}, {e.Body != nil, flagBody}, {e.Response.Body != nil, flagRespBody}} {
		if f.on {
			r.flags |= f.flag
		}
	}
	query := e.RawQuery
	if len(query) > MaxQueryBytes {
		r.trunc.RawQueryBytes = len(query)
		query = query[:MaxQueryBytes]
	}
	scratch := headerScratch.Get().(*[]byte)
	defer putHeaderScratch(scratch)
	header, hsize, hkeep := encodeHeader((*scratch)[:0], e.Header)
	if hsize > MaxHeaderBytes {
		r.trunc.HeaderBytes = hsize
		header = appendCutHeader(header[:0], e.Header)
	}
	*scratch = header
	n := len(e.AccessToken) + len(e.Method) + len(e.Path) + len(query) + hkeep +
		len(e.Body) + len(e.RemoteAddr) + len(e.Hint) + len(e.Fault) + len(e.Response.Body)
	buf := chunks.alloc(n)
	buf = append(buf, e.AccessToken...)
	r.end[partToken] = uint32(len(buf))
	buf = append(buf, e.Method...)
	r.end[partMethod] = uint32(len(buf))
	buf = append(buf, e.Path...)
	r.end[partPath] = uint32(len(buf))
	buf = append(buf, query...)
	r.end[partQuery] = uint32(len(buf))
	buf = append(buf, header...)
	r.end[partHeader] = uint32(len(buf))
	buf = append(buf, e.Body...)
	r.end[partBody] = uint32(len(buf))
	buf = append(buf, e.RemoteAddr...)
	r.end[partRemote] = uint32(len(buf))
	buf = append(buf, e.Hint...)
	r.end[partHint] = uint32(len(buf))
	buf = append(buf, e.Fault...)
	r.end[partFault] = uint32(len(buf))
	buf = append(buf, e.Response.Body...)
	r.end[partResp] = uint32(len(buf))
	r.buf = buf
	r.size = int64(cap(buf)) + recordOverhead + int64(len(e.AppKey)+len(e.Conversation))
	for _, c := range e.Checks {
		r.size += int64(len(c.Name) + len(c.Detail) + 40)
	}
	for _, w := range e.Warnings {
		r.size += int64(len(w) + 16)
	}
	for _, d := range e.Trail.Details {
		r.size += int64(len(d) + 16)
	}
	return r
}

// chunkSize is the size of the chunks records' buffers are cut from, and
// maxChunked the largest buffer cut from one (at most an eighth of a
// chunk is left unused when the next buffer does not fit).
const (
	chunkSize  = 64 << 10
	maxChunked = chunkSize / 8
)

// chunks hands out the buffers of records, cut one after the other from
// chunks of chunkSize bytes: an append then costs no allocation of its own
// (an ordinary send's record is about 450 bytes, so a chunk holds about
// 140), and the collector sees one object per chunk instead of one per
// entry. A chunk stays alive while any record (or snapshot) cut from it
// does; records are dropped oldest first, so chunks are freed in about
// the order they were cut. Bytes handed out are written once, by the
// appender, before the record is published, and never again.
//
// The rest of the current chunk is kept in a sync.Pool, that is per
// processor: appenders on two CPUs cut from two chunks instead of
// contending for one cursor and writing next to each other in memory. A
// rest the pool drops at a collection is left unused.
type chunks struct {
	rests sync.Pool // of *[]byte, the rest of a chunk
}

// alloc returns an empty buffer with room for exactly n bytes.
func (c *chunks) alloc(n int) []byte {
	if n > maxChunked {
		return make([]byte, 0, n)
	}
	rest, _ := c.rests.Get().(*[]byte)
	if rest == nil {
		rest = new([]byte)
	}
	if cap(*rest) < n {
		*rest = make([]byte, chunkSize)
	}
	buf := (*rest)[:0:n]
	*rest = (*rest)[n:]
	c.rests.Put(rest)
	return buf
}

// headerScratch holds the encoded header block while its entry's buffer
// is sized, so that the header map is walked once.
var headerScratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func putHeaderScratch(b *[]byte) {
	if cap(*b) <= 2*MaxHeaderBytes {
		headerScratch.Put(b)
	}
}

// encodeHeader appends h to buf as (name, count, values…) groups, each
// length prefixed, and returns the size of its names and values and how
// many bytes its encoding may take when whole or cut to MaxHeaderBytes
// (what the entry is charged). When size is over MaxHeaderBytes, out is
// incomplete: encode the block again with appendCutHeader.
func encodeHeader(buf []byte, h http.Header) (out []byte, size, encoded int) {
	for k, vs := range h {
		size += len(k)
		encoded += len(k) + 2*binary.MaxVarintLen32
		whole := size <= MaxHeaderBytes
		if whole {
			buf = appendString(buf, k)
			buf = binary.AppendUvarint(buf, uint64(len(vs)))
		}
		for _, v := range vs {
			size += len(v)
			encoded += len(v) + binary.MaxVarintLen32
			if whole = whole && size <= MaxHeaderBytes; whole {
				buf = appendString(buf, v)
			}
		}
	}
	return buf, size, min(encoded, MaxHeaderBytes+256)
}

// appendCutHeader is encodeHeader for a header block over MaxHeaderBytes:
// names go in order (Content-Type first) and the encoding stops once
// MaxHeaderBytes of names and values are written, cutting the value that
// crosses the bound.
func appendCutHeader(buf []byte, h http.Header) []byte {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		// Content-Type first: the send API's check detail is read from it.
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	left := MaxHeaderBytes
	for _, k := range keys {
		if left <= len(k) {
			break
		}
		left -= len(k)
		vs := h[k]
		keep, last := 0, 0 // values kept, bytes of the last one kept
		for keep < len(vs) && left > 0 {
			last = min(left, len(vs[keep]))
			left -= last
			keep++
		}
		buf = appendString(buf, k)
		buf = binary.AppendUvarint(buf, uint64(keep))
		for i, v := range vs[:keep] {
			if i == keep-1 {
				v = v[:last]
			}
			buf = appendString(buf, v)
		}
		if left <= 0 {
			break
		}
	}
	return buf
}

func rank(key string) int {
	if key == "Content-Type" {
		return 0
	}
	return 1
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// decodeHeader reads what appendHeader wrote.
func decodeHeader(b []byte) http.Header {
	h := http.Header{}
	next := func() string {
		n, k := binary.Uvarint(b)
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s
	}
	for len(b) > 0 {
		key := next()
		count, k := binary.Uvarint(b)
		b = b[k:]
		vs := make([]string, count)
		for i := range vs {
			vs[i] = next()
		}
		h[key] = vs
	}
	return h
}

// entry rebuilds the Entry (before Expand).
func (r *record) entry() Entry {
	e := Entry{
		Seq: r.seq, Time: r.time, AccessToken: string(r.part(partToken)), Method: string(r.part(partMethod)),
		Path: string(r.part(partPath)), RawQuery: string(r.part(partQuery)), RemoteAddr: string(r.part(partRemote)),
		Message: r.msg, Accepted: r.has(flagAccepted), Delivered: r.has(flagDelivered), Duplicate: r.has(flagDuplicate),
		Reason: r.reason, Checks: r.checks, Warnings: r.warns, Hint: string(r.part(partHint)), Fault: string(r.part(partFault)),
		Response: Response{Status: r.status, ErrCode: r.errCode, ErrMsg: r.errMsg},
		Trail:    r.trail, AppKey: r.appKey, Conversation: r.conversation,
	}
	if r.has(flagHeader) {
		e.Header = decodeHeader(r.part(partHeader))
	}
	if r.has(flagBody) {
		e.Body = r.part(partBody)
	}
	if r.has(flagRespBody) {
		e.Response.Body = r.part(partResp)
	}
	if r.trunc != (Truncated{}) {
		t := r.trunc
		e.Truncated = &t
	}
	return e
}
