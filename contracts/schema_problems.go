// Turning one kin-openapi SchemaError (possibly a oneOf with a failure per
// alternative) into Problems that say where, what was expected and what was
// sent.

package contracts

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxGot is how much of a sent value a Problem quotes.
const maxGot = 160

func (v *Validator) schemaProblems(e *openapi3.SchemaError, where string, out []Problem) []Problem {
	ptr := pointer(e.JSONPointer())
	switch e.SchemaField {
	case "oneOf":
		var branches openapi3.MultiError
		if e.Origin != nil && !errors.Is(e.Origin, openapi3.ErrOneOfConflict) && errors.As(e.Origin, &branches) {
			return v.oneOfProblems(e, branches, where, out)
		}
		return append(out, Problem{Where: where, Pointer: ptr,
			Expected: "exactly one of " + v.alternatives(e.Schema.OneOf), Got: "a value matching several: " + gotValue(e.Value)})
	case "allOf":
		var parts openapi3.MultiError
		if e.Origin != nil && errors.As(e.Origin, &parts) {
			for _, p := range parts {
				out = v.problems(p, where, out)
			}
			return out
		}
	case "required":
		return append(out, Problem{Where: where, Pointer: ptr, Expected: fmt.Sprintf("property %q (it is required)", last(e.JSONPointer())), Got: "no such property"})
	}
	if e.Origin != nil {
		var se *openapi3.SchemaError
		if errors.As(e.Origin, &se) {
			return v.schemaProblems(se, where, out)
		}
	}
	return append(out, Problem{Where: where, Pointer: ptr, Expected: v.expectation(e), Got: gotValue(e.Value)})
}

// oneOfProblems reports a value that matched none of a oneOf's
// alternatives. Alternatives ruled out by a single-valued enum (a msgtype of
// "text" is not a markdown message) are dropped; the rest are reported, each
// named after its component schema.
func (v *Validator) oneOfProblems(e *openapi3.SchemaError, branches openapi3.MultiError, where string, out []Problem) []Problem {
	alts := e.Schema.OneOf
	var candidates []int
	for i, b := range branches {
		if i < len(alts) && !ruledOutByConst(b) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return append(out, Problem{Where: where, Pointer: pointer(e.JSONPointer()),
			Expected: "one of " + v.alternatives(alts), Got: gotValue(e.Value)})
	}
	for _, i := range candidates {
		name := v.schemaName(alts[i])
		start := len(out)
		out = v.problems(branches[i], where, out)
		if name != "" {
			for j := start; j < len(out); j++ {
				out[j].Expected += " (as " + name + ")"
			}
		}
	}
	return out
}

// ruledOutByConst reports whether err contains an enum failure against a
// single allowed value: the alternative was for another kind of value.
func ruledOutByConst(err error) bool {
	var me openapi3.MultiError
	if errors.As(err, &me) && isMulti(err) {
		return slices.ContainsFunc(me, ruledOutByConst)
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return se.SchemaField == "enum" && len(se.Schema.Enum) == 1
	}
	return false
}

func (v *Validator) alternatives(refs openapi3.SchemaRefs) string {
	names := make([]string, 0, len(refs))
	for _, r := range refs {
		if n := v.schemaName(r); n != "" {
			names = append(names, n)
		} else {
			names = append(names, describeSchema(r.Value))
		}
	}
	return strings.Join(names, ", ")
}

// schemaName is the component name of a schema reference ("TextMessage"),
// or "" for an inline schema.
func (v *Validator) schemaName(r *openapi3.SchemaRef) string {
	if i := strings.LastIndex(r.Ref, "/"); i >= 0 {
		return r.Ref[i+1:]
	}
	return ""
}

// expectation words what a schema keyword asks for.
func (v *Validator) expectation(e *openapi3.SchemaError) string {
	s := e.Schema
	switch e.SchemaField {
	case "type":
		t := "type " + strings.Join(s.Type.Slice(), " or ")
		if s.Nullable {
			t += " or null"
		}
		return t
	case "nullable":
		return "a value, not null"
	case "enum":
		vals := make([]string, len(s.Enum))
		for i, x := range s.Enum {
			vals[i] = compactJSON(x)
		}
		return "one of " + strings.Join(vals, ", ")
	case "pattern":
		return fmt.Sprintf("a string matching %s", s.Pattern)
	case "minLength":
		if s.MinLength == 1 {
			return "a non-empty string"
		}
		return fmt.Sprintf("at least %d characters", s.MinLength)
	case "maxLength":
		return fmt.Sprintf("at most %d characters", *s.MaxLength)
	case "minimum":
		return fmt.Sprintf("at least %g", *s.Min)
	case "maximum":
		return fmt.Sprintf("at most %g", *s.Max)
	case "minItems":
		return fmt.Sprintf("at least %d items", s.MinItems)
	case "maxItems":
		return fmt.Sprintf("at most %d items", *s.MaxItems)
	case "format":
		return fmt.Sprintf("a %s (%s)", s.Format, e.Reason)
	case "anyOf":
		return "any of " + v.alternatives(s.AnyOf)
	case "not":
		return "not " + describeSchema(s.Not.Value)
	case "properties":
		return e.Reason
	}
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("the schema's %q", e.SchemaField)
}

// describeSchema words a small inline schema: {required [a b]}, type string…
func describeSchema(s *openapi3.Schema) string {
	if s == nil {
		return "{}"
	}
	var parts []string
	if t := s.Type.Slice(); len(t) > 0 {
		parts = append(parts, "type "+strings.Join(t, "|"))
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, x := range s.Enum {
			vals[i] = compactJSON(x)
		}
		parts = append(parts, "enum "+strings.Join(vals, "|"))
	}
	if len(s.Required) > 0 {
		parts = append(parts, "with "+strings.Join(s.Required, " and "))
	}
	if len(parts) == 0 {
		return "{…}"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func pointer(path []string) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

func last(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return path[len(path)-1]
}

// gotValue quotes a sent value as compact JSON, cut to maxGot characters.
func gotValue(x any) string {
	if x == nil {
		return "null"
	}
	s := compactJSON(x)
	if len(s) > maxGot {
		cut := maxGot
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func compactJSON(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}
