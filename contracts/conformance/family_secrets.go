// The secrets family: no answer of the target carries the robot's secret,
// its access token, a sign it computed or the signed URL, on any webhook
// path; endpoint answers mask the stored secret.

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

func secretRules() []Rule {
	paths := []webhookPath{pathSuccess, pathRefusal, pathHTTPError, pathDropped, pathUnreachable, pathRedirect}
	return []Rule{
		{
			ID: "secrets.test-connection-answers", Family: FamilySecrets, Level: Should, Source: SrcZStackError,
			Text: "no test-connection answer (success, DingTalk refusal, HTTP 500, dropped, unreachable, redirect) carries the secret, the access token, the sign or the signed URL",
			Check: func(ctx context.Context, h *Harness) error {
				return noLeaks(ctx, h, paths)
			},
		},
		{
			ID: "secrets.test-connection-answers-timeout", Family: FamilySecrets, Level: Should, Source: SrcZStackError, Labels: []string{LabelSlow},
			Text: "the answer for a webhook that never answers carries no secret, access token, sign or signed URL",
			Check: func(ctx context.Context, h *Harness) error {
				return noLeaks(ctx, h, []webhookPath{pathTimeout})
			},
		},
		{
			ID: "secrets.endpoint-secret-masked", Family: FamilySecrets, Level: Must, Source: SrcOpenAPI + " (EndpointInventory.secret: masked, never the full secret)",
			Text:  "no endpoint API answer (create, query, generic query, update) returns the stored secret in clear",
			Check: checkSecretMasked,
		},
	}
}

func noLeaks(ctx context.Context, h *Harness, paths []webhookPath) error {
	var problems []string
	for _, p := range paths {
		x, err := h.through(ctx, p)
		if err != nil {
			return err
		}
		if what := leaked(x.answer, secretsOf(x)); what != "" {
			problems = append(problems, fmt.Sprintf("along %s the answer carries %s: %s", p.what, what, x.answer.Describe()))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// secretsOf names the secret values of an exchange: the robot's secret and
// token, and every sign the robot received.
func secretsOf(x *exchange) map[string]string {
	out := map[string]string{"the robot's secret": x.robot.Secret, "the access token": x.robot.Token}
	for _, e := range x.entries {
		if raw, ok := rawParam(e.RawQuery, "sign"); ok && len(raw) > 8 {
			out["the sign (URL-encoded, i.e. the signed URL)"] = raw
			if dec, err := url.QueryUnescape(raw); err == nil {
				out["the sign"] = dec
			}
		}
	}
	return out
}

// leaked names the first secret found in an answer's body (raw, and each
// string of it decoded when it is JSON, so escapes hide nothing) or
// headers; "" when none.
func leaked(a *Answer, secrets map[string]string) string {
	texts := []string{string(a.Body)}
	var v any
	if json.Unmarshal(a.Body, &v) == nil {
		texts = append(texts, jsonStrings(v)...)
	}
	for k, vs := range a.Header {
		texts = append(texts, k+": "+strings.Join(vs, ","))
	}
	for name, s := range secrets {
		if s == "" {
			continue
		}
		for _, t := range texts {
			if strings.Contains(t, s) {
				return name
			}
		}
	}
	return ""
}

// jsonStrings lists every key and string value in a decoded JSON value.
func jsonStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, jsonStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, e := range t {
			out = append(out, k)
			out = append(out, jsonStrings(e)...)
		}
		return out
	}
	return nil
}

// checkSecretMasked stores an endpoint with a secret and reads it back every
// way the API offers; then updates the secret and reads again.
func checkSecretMasked(ctx context.Context, h *Harness) error {
	robot, err := h.NewRobot(true)
	if err != nil {
		return err
	}
	secrets := map[string]string{"the stored secret": robot.Secret}
	created, err := h.Call(ctx, http.MethodPost, PathEndpoints, endpointBody("secret", map[string]any{"url": robot.Webhook, "secret": robot.Secret}))
	if err != nil {
		return err
	}
	var inv inventoryAnswer
	if created.Status != http.StatusOK || created.JSON(&inv) != nil || inv.Inventory.UUID == "" {
		return fmt.Errorf("cannot create an endpoint to check: %s", created.Describe())
	}
	uuid := inv.Inventory.UUID
	defer h.deleteEndpoint(ctx, uuid)
	check := func(what string, a *Answer) error {
		if name := leaked(a, secrets); name != "" {
			return fmt.Errorf("the answer to %s carries %s in clear: %s", what, name, a.Describe())
		}
		return nil
	}
	if err := check("create", created); err != nil {
		return err
	}
	other := "SEC" + randomHex(32)
	secrets["the updated secret"] = other
	steps := []struct {
		what, method, path string
		body               any
	}{
		{"query by uuid", http.MethodGet, PathEndpoints + "/" + uuid, nil},
		{"query by condition", http.MethodGet, PathEndpoints + "?q=uuid=" + uuid, nil},
		{"the generic endpoint query", http.MethodGet, PathAnyEndpoint + "/" + uuid, nil},
		{"update (a new secret)", http.MethodPut, PathEndpoints + "/" + uuid + "/actions", map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"secret": other}}},
		{"query after the update", http.MethodGet, PathEndpoints + "/" + uuid, nil},
	}
	for _, s := range steps {
		a, err := h.Call(ctx, s.method, s.path, s.body)
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return fmt.Errorf("%s failed: %s", s.what, a.Describe())
		}
		if err := check(s.what, a); err != nil {
			return err
		}
	}
	return nil
}
