package http

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"sync"
)

// The OpenAPI 3.1 document of the API is openapi.json with the fragments of
// openapi/*.json merged in (one per context); a test compares it with the
// routes and checks responses against its schemas.
//
//go:embed openapi.json openapi/*.json
var openAPIFiles embed.FS

var openAPI = sync.OnceValues(func() ([]byte, error) { return mergeOpenAPI(openAPIFiles) })

// OpenAPI returns the OpenAPI document.
func OpenAPI() ([]byte, error) { return openAPI() }

// mergeOpenAPI merges the paths and schemas of every fragment into the base
// document. A path or schema defined twice is an error.
func mergeOpenAPI(files fs.FS) ([]byte, error) {
	var doc map[string]any
	base, err := fs.ReadFile(files, "openapi.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	paths := section(doc, "paths")
	schemas := section(section(doc, "components"), "schemas")
	names, err := fs.Glob(files, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := mergeInto(paths, section(frag, "paths"), name, "path"); err != nil {
			return nil, err
		}
		if err := mergeInto(schemas, section(section(frag, "components"), "schemas"), name, "schema"); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// section returns the object m[key], creating it when absent.
func section(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

func mergeInto(dst, src map[string]any, file, what string) error {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %s is defined twice", file, what, k)
		}
		dst[k] = v
	}
	return nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	doc, err := openAPI()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(doc)
	return err
}
