// gotemplate renders the templates of a Helm chart archive with Go's text/template — the
// engine Helm renders with — and prints {"templates/x.yaml": "rendered text", ...} as JSON.
// It is an oracle for kforge's escaping of literal `{{`/`}}` (charts kforge builds hold static
// manifests, so no values or Sprig functions are needed; a template that calls one fails
// here, which is the point). Standard library only.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gotemplate CHART.tgz")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail(err)
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		fail(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err)
		}
		parts := strings.SplitN(h.Name, "/", 2)
		if len(parts) != 2 || !strings.HasPrefix(parts[1], "templates/") {
			continue
		}
		src, err := io.ReadAll(tr)
		if err != nil {
			fail(err)
		}
		t, err := template.New(parts[1]).Option("missingkey=error").Parse(string(src))
		if err != nil {
			fail(err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, map[string]interface{}{}); err != nil {
			fail(err)
		}
		out[parts[1]] = buf.String()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gotemplate:", err)
	os.Exit(1)
}
