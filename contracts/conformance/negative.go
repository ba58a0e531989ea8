// Negative cases generated from openapi.yaml: take a valid request body,
// break one thing the schema forbids (a required field removed, a wrong
// type, a string over its maxLength, a value off its pattern or enum) and
// expect a refusal in the API family's shape.

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

// Mutation is one way to break a valid body.
type Mutation struct {
	// Pointer is the JSON pointer of the value changed ("/params/url").
	Pointer string
	// Kind is "missing", "wrong-type", "too-long", "pattern" or "enum".
	Kind string
	// Value is what is put there (ignored for "missing").
	Value any
}

// Name is the mutation as a rule id suffix: "/params/url.too-long".
func (m Mutation) Name() string { return m.Pointer + "." + m.Kind }

// Apply changes body (a decoded JSON object) in place.
func (m Mutation) Apply(body map[string]any) {
	keys := strings.Split(strings.TrimPrefix(m.Pointer, "/"), "/")
	obj := body
	for _, k := range keys[:len(keys)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	last := keys[len(keys)-1]
	if m.Kind == "missing" {
		delete(obj, last)
		return
	}
	obj[last] = m.Value
}

// GenerateOptions tunes Mutations.
type GenerateOptions struct {
	// RequiredOnly limits mutations to required fields and enums: for APIs
	// that ignore wrong types in optional fields, as DingTalk does.
	RequiredOnly bool
}

// Mutations lists the ways to break a body valid against schema.
func Mutations(schema *openapi3.Schema, opts GenerateOptions) []Mutation {
	var out []Mutation
	walk(schema, "", opts, &out)
	return out
}

func walk(s *openapi3.Schema, ptr string, opts GenerateOptions, out *[]Mutation) {
	s = effective(s)
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := effective(s.Properties[n].Value)
		at := ptr + "/" + n
		required := slices.Contains(s.Required, n)
		if required {
			*out = append(*out, Mutation{Pointer: at, Kind: "missing"})
		}
		if opts.RequiredOnly && !required {
			continue
		}
		if v, ok := wrongType(p); ok {
			*out = append(*out, Mutation{Pointer: at, Kind: "wrong-type", Value: v})
		}
		if p.Type.Is(openapi3.TypeString) {
			if p.MaxLength != nil {
				*out = append(*out, Mutation{Pointer: at, Kind: "too-long", Value: longString(p, int(*p.MaxLength)+1)})
			}
			if p.MinLength > 0 {
				*out = append(*out, Mutation{Pointer: at, Kind: "too-short", Value: ""})
			}
			if p.Pattern != "" {
				if v, ok := offPattern(p.Pattern); ok {
					*out = append(*out, Mutation{Pointer: at, Kind: "pattern", Value: v})
				}
			}
			if len(p.Enum) > 0 {
				*out = append(*out, Mutation{Pointer: at, Kind: "enum", Value: "not-one-of-the-enum"})
			}
		}
		if p.Type.Is(openapi3.TypeArray) && p.Items != nil && !opts.RequiredOnly {
			if v, ok := wrongType(effective(p.Items.Value)); ok {
				*out = append(*out, Mutation{Pointer: at, Kind: "wrong-item-type", Value: []any{v}})
			}
		}
		if p.Type.Is(openapi3.TypeObject) && len(p.Properties) > 0 {
			walk(p, at, opts, out)
		}
	}
}

// effective folds a schema's allOf members into one (type, pattern,
// lengths, enum, properties), enough to generate cases.
func effective(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 {
		return s
	}
	m := *s
	for _, part := range s.AllOf {
		p := effective(part.Value)
		if m.Type == nil || len(m.Type.Slice()) == 0 {
			m.Type = p.Type
		}
		if m.Pattern == "" {
			m.Pattern = p.Pattern
		}
		if m.MaxLength == nil {
			m.MaxLength = p.MaxLength
		}
		if m.MinLength == 0 {
			m.MinLength = p.MinLength
		}
		if len(m.Enum) == 0 {
			m.Enum = p.Enum
		}
		if len(m.Properties) == 0 {
			m.Properties, m.Required = p.Properties, p.Required
		}
	}
	return &m
}

// wrongType returns a value of another JSON type than the schema's.
func wrongType(s *openapi3.Schema) (any, bool) {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return 12345, true
	case s.Type.Is(openapi3.TypeBoolean):
		return "yes", true
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return "twelve", true
	case s.Type.Is(openapi3.TypeArray):
		return "not-an-array", true
	case s.Type.Is(openapi3.TypeObject):
		return "not-an-object", true
	}
	return nil, false
}

// longString is a string of n characters that still matches the schema's
// pattern when the pattern only asks for a prefix (a URL's scheme).
func longString(s *openapi3.Schema, n int) string {
	prefix := ""
	if strings.Contains(s.Pattern, "[Hh][Tt][Tt][Pp]") || strings.HasPrefix(s.Pattern, "^https?://") {
		prefix = "http://127.0.0.1/"
	}
	return prefix + strings.Repeat("a", n-len(prefix))
}

// offPattern returns a string that does not match pattern.
func offPattern(pattern string) (string, bool) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", false
	}
	for _, v := range []string{"ftp://example.com/", "#not-valid#", "0"} {
		if !re.MatchString(v) {
			return v, true
		}
	}
	return "", false
}

// Schema returns a component schema of openapi.yaml.
func Schema(name string) *openapi3.Schema {
	return contracts.Default().Doc().Components.Schemas[name].Value
}

// NegativeRules generates one rule per way to break a test-connection body
// (family negative, level must, source openapi.yaml): the target must
// refuse it in ZStack's shape.
func NegativeRules() []Rule {
	var out []Rule
	for _, m := range Mutations(Schema("TestConnectionRequest"), GenerateOptions{}) {
		out = append(out, zstackNegative(m))
	}
	return out
}

func zstackNegative(m Mutation) Rule {
	return Rule{
		ID:     "negative.test-connection" + m.Name(),
		Family: FamilyNegative, Level: Must, Source: SrcOpenAPI + " (TestConnectionRequest)",
		Text: fmt.Sprintf("a test-connection body with %s %s is refused", m.Pointer, DescribeKind(m)),
		Check: func(ctx context.Context, h *Harness) error {
			robot, err := h.NewRobot(false)
			if err != nil {
				return err
			}
			body := map[string]any{
				"params":     map[string]any{"testMsg": "negative " + m.Name(), "url": robot.Webhook, "atAll": false, "atPersonPhoneNumbers": []any{}, "secret": ""},
				"systemTags": []any{}, "userTags": []any{},
			}
			m.Apply(body)
			a, err := h.Call(ctx, http.MethodPost, PathTestConnection, body, AsNegative())
			if err != nil {
				return err
			}
			if err := h.cfg.ZStackRefusal(a); err != nil {
				sent, _ := json.Marshal(body)
				return fmt.Errorf("%w\n  sent: %s", err, sent)
			}
			return nil
		},
	}
}

// DescribeKind says a mutation's kind in words.
func DescribeKind(m Mutation) string {
	switch m.Kind {
	case "missing":
		return "missing"
	case "too-long":
		return "over its maxLength"
	case "too-short":
		return "empty"
	case "pattern":
		return fmt.Sprintf("off its pattern (%v)", m.Value)
	case "enum":
		return "not in its enum"
	case "wrong-item-type":
		return "holding an item of the wrong type"
	}
	return fmt.Sprintf("of the wrong type (%v)", m.Value)
}
