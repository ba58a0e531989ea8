// Checking a body against one of openapi.yaml's component schemas, for
// bodies that are no operation's request or answer: the callback the fake
// POSTs to a bot (RobotCallback) and the bot's answer (RobotMessage).

package contracts

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// ValidateSchema checks a JSON body against the component schema name
// ("RobotCallback", "RobotMessage"). The error names the schema and says
// what breaks it.
func (v *Validator) ValidateSchema(name string, body []byte) error {
	ref := v.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("contracts: openapi.yaml has no schema %q", name)
	}
	var data any
	if err := json.Unmarshal(body, &data); err != nil {
		return fmt.Errorf("contracts: not JSON, so not a %s: %w", name, err)
	}
	if err := ref.Value.VisitJSON(data, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("contracts: breaks openapi.yaml's %s: %w", name, err)
	}
	return nil
}
