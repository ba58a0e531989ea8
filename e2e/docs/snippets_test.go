// Reading the code blocks out of the documentation: every fenced block of
// README.md, CONTRIBUTING.md and docs/*.md, parsed with goldmark (the
// Markdown parser the inbox uses), with its language, its flags and where
// it is. How each kind of block is run is in docs_suite_test.go; the rules
// for writers are in CONTRIBUTING.md ("Snippets in the docs run in CI").

package docs_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// noRun is the flag, after the language in a block's info string, that
// marks a block as shown but not executed (```sh no-run): the commands that
// start a server and never return, run for minutes, or need a machine the
// reader has and CI has not.
const noRun = "no-run"

// snippet is one fenced code block of a page.
type snippet struct {
	Page  string // path from the repository root, e.g. docs/sns-api.md
	Line  int    // line of the opening fence
	Lang  string // first word of the info string: go, sh, yaml, …
	Flags []string
	Code  string
}

func (s snippet) String() string { return fmt.Sprintf("%s:%d (%s)", s.Page, s.Line, s.Lang) }

// Runs reports whether the block is to be executed.
func (s snippet) Runs() bool { return !slices.Contains(s.Flags, noRun) }

// shownOnly are the languages of blocks that show text rather than hold
// something to run: a program's output, a request body, a file listing.
var shownOnly = map[string]bool{"": true, "text": true, "json": true, "http": true}

// docPages lists the pages whose blocks are checked, relative to root.
func docPages(root string) ([]string, error) {
	pages := []string{"README.md", "CONTRIBUTING.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range more {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil, err
		}
		pages = append(pages, rel)
	}
	return pages, nil
}

// readSnippets returns the fenced code blocks of page, in order.
func readSnippets(root, page string) ([]snippet, error) {
	src, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		return nil, err
	}
	doc := goldmark.DefaultParser().Parse(text.NewReader(src))
	var out []snippet
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		block, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		var info []string
		if block.Info != nil {
			info = strings.Fields(string(block.Info.Segment.Value(src)))
		}
		s := snippet{Page: page}
		if len(info) > 0 {
			s.Lang, s.Flags = info[0], info[1:]
		}
		var code bytes.Buffer
		lines := block.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			code.Write(seg.Value(src))
		}
		s.Code = code.String()
		start := 0
		if lines.Len() > 0 {
			start = lines.At(0).Start
		}
		// The opening fence is the line before the first line of code.
		s.Line = bytes.Count(src[:start], []byte("\n"))
		out = append(out, s)
		return ast.WalkSkipChildren, nil
	})
	return out, err
}

// shownOutput is what a shell block says its commands print: the
// whole-line comments ("# {"errcode":0,…}") that follow its first command.
// Comments before the first command explain and are not output. An
// ellipsis (…) in a shown line stands for any text.
func shownOutput(code string) []string {
	var out []string
	seenCommand := false
	for _, line := range strings.Split(code, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
		case strings.HasPrefix(trimmed, "#"):
			if seenCommand {
				out = append(out, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			}
		default:
			seenCommand = true
		}
	}
	return out
}

// outputMatches compares what the commands printed with the shown lines:
// blank lines are ignored, each remaining line must match in order, and an
// ellipsis in a shown line matches any text.
func outputMatches(printed string, shown []string) bool {
	var got []string
	for _, l := range strings.Split(printed, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			got = append(got, l)
		}
	}
	if len(got) != len(shown) {
		return false
	}
	for i, want := range shown {
		parts := strings.Split(want, "…")
		for j, p := range parts {
			parts[j] = regexp.QuoteMeta(p)
		}
		if !regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(got[i]) {
			return false
		}
	}
	return true
}

// link is one Markdown link or image of a page that points into the
// repository (not http:, https: or mailto:).
type link struct {
	Page, Dest string
}

// localLinks returns the links of page that point at files or anchors of
// this repository, and the anchors of page's own headings, made as GitHub
// makes them.
func localLinks(root, page string) (links []link, anchors map[string]bool, err error) {
	src, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		return nil, nil, err
	}
	anchors = map[string]bool{}
	doc := goldmark.DefaultParser().Parse(text.NewReader(src))
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch n := n.(type) {
		case *ast.Heading:
			anchors[anchor(headingText(n, src))] = true
			return ast.WalkContinue, nil
		case *ast.Link:
			dest = string(n.Destination)
		case *ast.Image:
			dest = string(n.Destination)
		default:
			return ast.WalkContinue, nil
		}
		if !regexp.MustCompile(`^[a-z]+:`).MatchString(dest) {
			links = append(links, link{page, dest})
		}
		return ast.WalkContinue, nil
	})
	return links, anchors, err
}

// headingText is a heading's text as GitHub reads it for its anchor: the
// text of its inline nodes, code spans included.
func headingText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		if t, ok := c.(*ast.String); ok && entering {
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// anchor is GitHub's anchor for a heading: lower case, letters, digits,
// '-' and '_' kept, spaces made '-', everything else dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
