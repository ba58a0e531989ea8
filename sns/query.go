// ZStack's query API for endpoints and at-persons: q=<field><op><value>
// conditions (=, !=, >, <, >=, <=, ?= in, !?= not in, ~= like, !~= not
// like, "is null", "not null"), limit, start, count, replyWithCount,
// sort=+field|-field and fields=a,b. A bad query is an HTTP 400 SYS.1007.

package sns

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

type fieldKind int

const (
	kindString fieldKind = iota
	kindBool
	kindTime
	kindList // a list of strings; a condition holds when any element matches
)

// value is one queryable field of a record.
type value struct {
	kind fieldKind
	str  string
	b    bool
	t    time.Time
	list []string
	null bool
}

// record is one queryable row: its fields and its JSON inventory.
type record struct {
	fields map[string]value
	inv    any
}

type condition struct {
	field, op, raw string
	in             []string
	like           *regexp.Regexp
	t              time.Time
	b              bool
}

// operators, longest first so "!=" is not read as "=".
var operators = []string{"!?=", "!~=", "?=", "~=", "!=", ">=", "<=", "=", ">", "<"}

// parseCondition splits "name~=%ding%" into field, operator and value.
func parseCondition(q string, kinds map[string]fieldKind, entity string) (condition, *apiError) {
	q = strings.TrimSpace(q)
	var c condition
	switch {
	case strings.HasSuffix(q, " is null"):
		c.field, c.op = strings.TrimSpace(strings.TrimSuffix(q, " is null")), "is null"
	case strings.HasSuffix(q, " not null"):
		c.field, c.op = strings.TrimSpace(strings.TrimSuffix(q, " not null")), "not null"
	default:
		i := strings.IndexFunc(q, func(r rune) bool {
			return !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
		if i <= 0 {
			return c, badRequest("invalid query condition[%s]: expected <field><operator><value>, e.g. name=ding", q)
		}
		c.field = q[:i]
		rest := q[i:]
		for _, op := range operators {
			if strings.HasPrefix(rest, op) {
				c.op, c.raw = op, rest[len(op):]
				break
			}
		}
		if c.op == "" {
			return c, badRequest("invalid query condition[%s]: unknown operator; use one of = != > < >= <= ?= !?= ~= !~= 'is null' 'not null'", q)
		}
	}
	kind, ok := kinds[c.field]
	if !ok {
		names := make([]string, 0, len(kinds))
		for n := range kinds {
			names = append(names, n)
		}
		slices.Sort(names)
		return c, badRequest("field[%s] is not a queryable field of %s; queryable fields are %s", c.field, entity, strings.Join(names, ", "))
	}
	switch c.op {
	case "?=", "!?=":
		c.in = strings.Split(c.raw, ",")
	case "~=", "!~=":
		c.like = likeRegexp(c.raw)
	}
	switch kind {
	case kindBool:
		if c.op != "=" && c.op != "!=" {
			return c, badRequest("invalid query condition[%s]: field[%s] is a boolean; use = or !=", q, c.field)
		}
		b, err := strconv.ParseBool(c.raw)
		if err != nil {
			return c, badRequest("invalid query condition[%s]: %q is not true or false", q, c.raw)
		}
		c.b = b
	case kindTime:
		if slices.Contains([]string{"=", "!=", ">", "<", ">=", "<="}, c.op) {
			t, ok := parseQueryTime(c.raw)
			if !ok {
				return c, badRequest("invalid query condition[%s]: %q is not a date; use milliseconds since 1970, RFC 3339 or %q", q, c.raw, DateLayout)
			}
			c.t = t
		}
	case kindList:
		switch c.op {
		case ">", "<", ">=", "<=":
			return c, badRequest("invalid query condition[%s]: field[%s] is a list; use = != ?= !?= ~= !~=", q, c.field)
		}
	}
	return c, nil
}

func parseQueryTime(s string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(DateLayout, s, time.Local); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// likeRegexp turns a SQL LIKE pattern (% any run, _ one character) into a
// case-insensitive regexp, as MySQL's default collation compares.
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func (c condition) matchString(s string) bool {
	switch c.op {
	case "=":
		return s == c.raw
	case "!=":
		return s != c.raw
	case "?=":
		return slices.Contains(c.in, s)
	case "!?=":
		return !slices.Contains(c.in, s)
	case "~=":
		return c.like.MatchString(s)
	case "!~=":
		return !c.like.MatchString(s)
	case ">":
		return s > c.raw
	case "<":
		return s < c.raw
	case ">=":
		return s >= c.raw
	case "<=":
		return s <= c.raw
	}
	return false
}

func (c condition) match(v value) bool {
	switch c.op {
	case "is null":
		return v.null
	case "not null":
		return !v.null
	}
	switch v.kind {
	case kindBool:
		return (v.b == c.b) == (c.op == "=")
	case kindTime:
		cmp := v.t.Compare(c.t)
		switch c.op {
		case "=":
			return v.t.Truncate(time.Second).Equal(c.t.Truncate(time.Second))
		case "!=":
			return !v.t.Truncate(time.Second).Equal(c.t.Truncate(time.Second))
		case ">":
			return cmp > 0
		case "<":
			return cmp < 0
		case ">=":
			return cmp >= 0
		case "<=":
			return cmp <= 0
		}
		return c.matchString(v.t.Format(DateLayout))
	case kindList:
		negative := c.op == "!=" || c.op == "!?=" || c.op == "!~="
		if negative {
			pos := c
			pos.op = strings.TrimPrefix(c.op, "!")
			if pos.op == "?=" || pos.op == "~=" || pos.op == "=" {
				for _, s := range v.list {
					if pos.matchString(s) {
						return false
					}
				}
				return true
			}
		}
		for _, s := range v.list {
			if c.matchString(s) {
				return true
			}
		}
		return false
	default:
		if v.null {
			return false
		}
		return c.matchString(v.str)
	}
}

// runQuery answers a query over records, following ZStack's query reply:
// {"inventories":[…]} (+"total" with replyWithCount=true), or only
// {"total":N} with count=true. It parses the request (parseQuery), applies
// it to the records (apply) and writes the reply (write).
func runQuery(w http.ResponseWriter, r *http.Request, records []record, kinds map[string]fieldKind, entity string) {
	q, e := parseQuery(r, kinds, entity)
	if e != nil {
		writeError(w, e)
		return
	}
	page, total := q.apply(records)
	q.write(w, page, total)
}

// query is a parsed query request: which records, in which order, which
// page of them and which of their fields.
type query struct {
	conds        []condition
	limit, start int // limit -1: no limit
	count        bool
	withCount    bool
	sortField    string // "": the records' own order
	sortKind     fieldKind
	sortDesc     bool
	fields       []string // empty: every field
}

// parseQuery reads a query request's conditions (q=…, and the {uuid} of
// the path), paging, sort and fields, and reports the first bad one as a
// SYS.1007 in the order ZStack checks them. fields is not checked when
// count=true, since that reply has no inventories.
func parseQuery(r *http.Request, kinds map[string]fieldKind, entity string) (query, *apiError) {
	var q query
	qs, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, badRequest("the query string cannot be decoded: %v (write %% as %%25)", err)
	}
	conds := qs["q"]
	if uuid := mux.Vars(r)["uuid"]; uuid != "" {
		conds = append(conds, "uuid="+uuid)
	}
	for _, s := range conds {
		c, e := parseCondition(s, kinds, entity)
		if e != nil {
			return q, e
		}
		q.conds = append(q.conds, c)
	}
	var e *apiError
	if q.limit, e = intParam(qs, "limit", -1); e != nil {
		return q, e
	}
	if q.start, e = intParam(qs, "start", 0); e != nil {
		return q, e
	}
	if q.count, e = boolParam(qs, "count"); e != nil {
		return q, e
	}
	if q.withCount, e = boolParam(qs, "replyWithCount"); e != nil {
		return q, e
	}
	if sortBy := qs.Get("sort"); sortBy != "" {
		q.sortDesc = strings.HasPrefix(sortBy, "-")
		q.sortField = strings.TrimLeft(sortBy, "+- ")
		kind, ok := kinds[q.sortField]
		if !ok || kind == kindList {
			return q, badRequest("invalid sort[%s]: field[%s] is not a sortable field of %s", sortBy, q.sortField, entity)
		}
		q.sortKind = kind
	}
	if f := qs.Get("fields"); f != "" && !q.count {
		for _, name := range strings.Split(f, ",") {
			name = strings.TrimSpace(name)
			if _, ok := kinds[name]; !ok && name != "atPersonList" {
				return q, badRequest("invalid fields[%s]: field[%s] is not a field of %s", f, name, entity)
			}
			q.fields = append(q.fields, name)
		}
	}
	return q, nil
}

// apply filters records by every condition, sorts them and returns the
// requested page, with total, the number of records that matched.
func (q query) apply(records []record) (page []record, total int) {
	var hits []record
	for _, rec := range records {
		ok := true
		for _, c := range q.conds {
			if !c.match(rec.fields[c.field]) {
				ok = false
				break
			}
		}
		if ok {
			hits = append(hits, rec)
		}
	}
	if q.sortField != "" {
		slices.SortStableFunc(hits, func(a, b record) int {
			x, y := a.fields[q.sortField], b.fields[q.sortField]
			var c int
			switch q.sortKind {
			case kindTime:
				c = x.t.Compare(y.t)
			case kindBool:
				c = boolCmp(x.b, y.b)
			default:
				c = strings.Compare(x.str, y.str)
			}
			if q.sortDesc {
				return -c
			}
			return c
		})
	}
	total = len(hits)
	hits = hits[min(q.start, len(hits)):]
	if q.limit >= 0 && q.limit < len(hits) {
		hits = hits[:q.limit]
	}
	return hits, total
}

// write answers with the page's inventories, cut to the requested fields,
// or with only the total when count=true.
func (q query) write(w http.ResponseWriter, page []record, total int) {
	if q.count {
		writeJSON(w, http.StatusOK, map[string]any{"total": total})
		return
	}
	inventories := make([]any, 0, len(page))
	for _, rec := range page {
		inventories = append(inventories, pick(rec.inv, q.fields))
	}
	out := map[string]any{"inventories": inventories}
	if q.withCount {
		out["total"] = total
	}
	writeJSON(w, http.StatusOK, out)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// pick keeps only the named fields of an inventory (all when names is empty).
func pick(inv any, names []string) any {
	if len(names) == 0 {
		return inv
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return inv
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return inv
	}
	out := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		if v, ok := m[n]; ok {
			out[n] = v
		}
	}
	return out
}

func intParam(qs url.Values, name string, def int) (int, *apiError) {
	v := qs.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("invalid %s[%s]: a non-negative integer is expected", name, v)
	}
	return n, nil
}

func boolParam(qs url.Values, name string) (bool, *apiError) {
	v := qs.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("invalid %s[%s]: true or false is expected", name, v)
	}
	return b, nil
}

var endpointKinds = map[string]fieldKind{
	"uuid": kindString, "name": kindString, "description": kindString, "type": kindString, "state": kindString,
	"platformUuid": kindString, "connectionStatus": kindString, "url": kindString, "atAll": kindBool,
	"atPersonPhoneNumbers": kindList, "createDate": kindTime, "lastOpDate": kindTime,
}

var applicationEndpointKinds = map[string]fieldKind{
	"uuid": kindString, "name": kindString, "description": kindString, "type": kindString, "state": kindString,
	"platformUuid": kindString, "connectionStatus": kindString, "createDate": kindTime, "lastOpDate": kindTime,
}

var atPersonKinds = map[string]fieldKind{
	"uuid": kindString, "phoneNumber": kindString, "endpointUuid": kindString, "remark": kindString,
	"createDate": kindTime, "lastOpDate": kindTime,
}

func str(s string) value { return value{kind: kindString, str: s, null: s == ""} }

func endpointFields(e store.Endpoint, phones []string) map[string]value {
	return map[string]value{
		"uuid": str(e.UUID), "name": str(e.Name), "description": str(e.Description), "type": str(e.Type),
		"state": str(e.State), "platformUuid": str(e.PlatformUUID), "connectionStatus": str(e.ConnectionStatus),
		"url": str(e.URL), "atAll": {kind: kindBool, b: e.AtAll},
		"atPersonPhoneNumbers": {kind: kindList, list: phones, null: len(phones) == 0},
		"createDate":           {kind: kindTime, t: e.CreateDate}, "lastOpDate": {kind: kindTime, t: e.LastOpDate},
	}
}

func (s *Server) handleQueryEndpoints(w http.ResponseWriter, r *http.Request) {
	eps, err := s.store.Endpoints()
	if err != nil {
		writeError(w, s.storeErr("read endpoints", err))
		return
	}
	persons, err := s.store.AtPersons()
	if err != nil {
		writeError(w, s.storeErr("read at-persons", err))
		return
	}
	records := make([]record, 0, len(eps))
	for _, e := range eps {
		inv := s.endpointInventory(e, persons)
		records = append(records, record{fields: endpointFields(e, inv.AtPersonPhoneNumbers), inv: inv})
	}
	runQuery(w, r, records, endpointKinds, "SNSDingTalkEndpointInventory")
}

func (s *Server) handleQueryApplicationEndpoints(w http.ResponseWriter, r *http.Request) {
	eps, err := s.store.Endpoints()
	if err != nil {
		writeError(w, s.storeErr("read endpoints", err))
		return
	}
	records := make([]record, 0, len(eps))
	for _, e := range eps {
		records = append(records, record{fields: endpointFields(e, nil), inv: s.applicationEndpointInventory(e)})
	}
	runQuery(w, r, records, applicationEndpointKinds, "SNSApplicationEndpointInventory")
}

func (s *Server) handleQueryAtPersons(w http.ResponseWriter, r *http.Request) {
	persons, err := s.store.AtPersons()
	if err != nil {
		writeError(w, s.storeErr("read at-persons", err))
		return
	}
	records := make([]record, 0, len(persons))
	for _, p := range persons {
		records = append(records, record{
			fields: map[string]value{
				"uuid": str(p.UUID), "phoneNumber": str(p.PhoneNumber), "endpointUuid": str(p.EndpointUUID),
				"remark": str(p.Remark), "createDate": {kind: kindTime, t: p.CreateDate}, "lastOpDate": {kind: kindTime, t: p.LastOpDate},
			},
			inv: s.atPersonInventory(p),
		})
	}
	runQuery(w, r, records, atPersonKinds, "SNSDingTalkAtPersonInventory")
}
