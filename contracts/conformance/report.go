// Reports of a run: readable text (one line per rule, the message and the
// evidence under each failure and warning), JUnit XML (warnings are passing
// test cases with the warning in system-err and an outcome property) and
// JSON.

package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is a finished run.
type Report struct {
	Target  string `json:"target"`
	FakeURL string `json:"fakeRobot,omitempty"`
	Strict  bool   `json:"strict"`
	// Bot says the target is a bot's callback endpoint (the bot rules).
	Bot     bool     `json:"bot,omitempty"`
	Results []Result `json:"-"`
}

// Failed reports whether the run failed: a must rule broke (or, strict, a
// should rule).
func (r Report) Failed() bool { return Summarize(r.Results).Fail > 0 }

// WriteLine writes one result as the text report does: outcome, level, ID
// and text, then the source; for a failure or warning the message and the
// evidence (verbose: the evidence of passing rules too).
func WriteLine(w io.Writer, res Result, verbose bool) {
	fmt.Fprintf(w, "%-4s  %-6s  %s — %s\n", strings.ToUpper(string(res.Outcome)), res.Rule.Level, res.Rule.ID, res.Rule.Text)
	fmt.Fprintf(w, "      source: %s\n", res.Rule.Source)
	switch res.Outcome {
	case Skip:
		fmt.Fprintf(w, "      skipped: %s\n", res.Message)
		return
	case Pass:
		if !verbose {
			return
		}
	default:
		fmt.Fprintf(w, "      %s\n", strings.ReplaceAll(res.Message, "\n", "\n      "))
	}
	if len(res.Evidence) > 0 {
		fmt.Fprintf(w, "      evidence:\n")
		for _, l := range res.Evidence {
			fmt.Fprintf(w, "        %s\n", l)
		}
	}
}

// WriteSummary writes the closing line of the text report.
func WriteSummary(w io.Writer, results []Result, strict bool) {
	s := Summarize(results)
	fmt.Fprintf(w, "\n%d rules: %d passed, %d failed, %d warned (should rules; --strict makes them failures), %d skipped\n",
		len(results), s.Pass, s.Fail, s.Warn, s.Skip)
	switch {
	case s.Fail > 0 && strict:
		fmt.Fprintln(w, "FAIL: the target breaks the contract (strict: should rules count)")
	case s.Fail > 0:
		fmt.Fprintln(w, "FAIL: the target breaks a must rule of the contract")
	default:
		fmt.Fprintln(w, "OK: the target keeps every must rule")
	}
}

// jsonResult is a Result in the JSON report.
type jsonResult struct {
	ID         string   `json:"id"`
	Family     string   `json:"family"`
	Level      Level    `json:"level"`
	Source     string   `json:"source"`
	Text       string   `json:"text"`
	Outcome    Outcome  `json:"outcome"`
	Message    string   `json:"message,omitempty"`
	Evidence   []string `json:"evidence,omitempty"`
	DurationMs int64    `json:"durationMs"`
}

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	out := struct {
		Report
		Summary Summary      `json:"summary"`
		Results []jsonResult `json:"results"`
	}{Report: r, Summary: Summarize(r.Results)}
	for _, res := range r.Results {
		out.Results = append(out.Results, jsonResult{
			ID: res.Rule.ID, Family: res.Rule.Family, Level: res.Rule.Level, Source: res.Rule.Source, Text: res.Rule.Text,
			Outcome: res.Outcome, Message: res.Message, Evidence: res.Evidence, DurationMs: res.Duration.Milliseconds(),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Failure    *junitMessage   `xml:"failure,omitempty"`
	Skipped    *junitMessage   `xml:"skipped,omitempty"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: one test suite per family, one
// test case per rule. A warning is a passing case with outcome=warn and
// the warning in system-err, so CI shows it without failing.
func (r Report) WriteJUnit(w io.Writer) error {
	what := "SNS DingTalk API conformance: "
	if r.Bot {
		what = "DingTalk bot conformance: "
	}
	out := junitSuites{Name: what + r.Target}
	var total time.Duration
	for _, family := range Families {
		suite := junitSuite{Name: family}
		var d time.Duration
		for _, res := range r.Results {
			if res.Rule.Family != family {
				continue
			}
			detail := res.Message
			if len(res.Evidence) > 0 {
				detail += "\nevidence:\n  " + strings.Join(res.Evidence, "\n  ")
			}
			c := junitCase{
				Name: res.Rule.ID + ": " + res.Rule.Text, Classname: family, Time: seconds(res.Duration),
				Properties: []junitProperty{{"level", string(res.Rule.Level)}, {"source", res.Rule.Source}, {"outcome", string(res.Outcome)}},
			}
			switch res.Outcome {
			case Fail:
				c.Failure = &junitMessage{Message: firstLine(res.Message), Type: string(res.Rule.Level), Text: detail}
				suite.Failures++
			case Warn:
				c.SystemErr = "WARNING (should rule " + res.Rule.ID + "): " + detail
			case Skip:
				c.Skipped = &junitMessage{Message: res.Message}
				suite.Skipped++
			}
			suite.Tests++
			d += res.Duration
			suite.Cases = append(suite.Cases, c)
		}
		if suite.Tests == 0 {
			continue
		}
		suite.Time = seconds(d)
		total += d
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
