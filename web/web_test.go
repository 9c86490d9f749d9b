package web_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"precinct/web"
)

// TestAssetsPages checks that the pages and files the HTTP server serves by
// name are in the embedded assets.
func TestAssetsPages(t *testing.T) {
	assets := web.Assets()
	for _, name := range []string{"index.html", "screen.html", "app.html", "sw.js", "static/sw.js", "static/app.webmanifest", "static/style.css", "static/icon.svg", "static/icon-192.png", "static/icon-512.png"} {
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

// TestAssetsReferences checks that every /static/ file a page, script or the
// manifest names, and every module a script imports, is embedded: a missing
// one would break a page only in the browser.
func TestAssetsReferences(t *testing.T) {
	assets := web.Assets()
	staticRef := regexp.MustCompile(`["'(](/static/[A-Za-z0-9_.\-/]+)`)
	importRef := regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'"]*?from\s+['"](\./[^'"]+)['"]`)
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path.Ext(name)
		if ext != ".html" && ext != ".js" && ext != ".webmanifest" && ext != ".css" {
			return nil
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		for _, m := range staticRef.FindAllStringSubmatch(string(b), -1) {
			if _, err := fs.Stat(assets, strings.TrimPrefix(m[1], "/")); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", name, m[1])
			}
		}
		if ext == ".js" {
			for _, m := range importRef.FindAllStringSubmatch(string(b), -1) {
				target := path.Join(path.Dir(name), m[1])
				if _, err := fs.Stat(assets, target); err != nil {
					t.Errorf("%s imports %s, which is not embedded", name, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestManifest checks the officer app's manifest has what browsers need to
// install it.
func TestManifest(t *testing.T) {
	b, err := fs.ReadFile(web.Assets(), "static/app.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name      string `json:"name"`
		ShortName string `json:"short_name"`
		StartURL  string `json:"start_url"`
		Display   string `json:"display"`
		Icons     []struct {
			Src   string `json:"src"`
			Sizes string `json:"sizes"`
		} `json:"icons"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if m.Name == "" || m.ShortName == "" || m.StartURL != "/app" || m.Display != "standalone" {
		t.Errorf("manifest %+v", m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		sizes[ic.Sizes] = true
	}
	if !sizes["192x192"] || !sizes["512x512"] {
		t.Errorf("manifest icons %v, want 192x192 and 512x512", sizes)
	}
}

// TestDictionary checks that every phrase key the scripts use is in both the
// Chinese and the English dictionary, and that the two have the same keys.
func TestDictionary(t *testing.T) {
	assets := web.Assets()
	src, err := fs.ReadFile(assets, "static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	zh, en := dictionary(t, string(src), "zh"), dictionary(t, string(src), "en")
	if len(zh) < 100 {
		t.Fatalf("zh dictionary has %d keys", len(zh))
	}
	for k := range zh {
		if !en[k] {
			t.Errorf("key %q is in zh but not en", k)
		}
	}
	for k := range en {
		if !zh[k] {
			t.Errorf("key %q is in en but not zh", k)
		}
	}
	// Literal keys: t('x'), data-i18n="x" and friends.
	uses := regexp.MustCompile(`\bt\('([a-z][\w.\-]*)'[,)]|data-i18n(?:-placeholder|-title|-label)?="([a-z][\w.\-]*)"|\[\s*'[^']*',\s*'([a-z]+\.[\w.\-]+)'\s*\]`)
	// Prefixed keys built at run time: t('status.' + s) and the like; their
	// suffixes are checked against the domain's lists below.
	err = fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(name) != ".js" && path.Ext(name) != ".html") || name == "static/i18n.js" {
			return err
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			k := m[1] + m[2] + m[3]
			if !zh[k] {
				t.Errorf("%s uses phrase %q, which is not in the dictionary", name, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		prefix string
		values []string
	}{
		{"incident statuses", "status.", []string{"received", "dispatched", "en_route", "on_scene", "resolved", "handed_over", "closed", "callback_done"}},
		{"unit statuses", "ustatus.", []string{"available", "dispatched", "en_route", "on_scene", "busy", "off_duty"}},
		{"unit kinds", "kind.", []string{"patrol_car", "foot_patrol", "armed_vehicle", "motorcycle", "community", "case_team", "volunteer"}},
		{"sources", "source.", []string{"call_110", "walk_in", "patrol", "grid", "anti_fraud"}},
		{"place types", "place.", []string{"street", "park", "square", "mall", "compound", "unit", "urban_village", "village", "road"}},
		{"handlers", "handler.", []string{"community_office", "case_team", "patrol", "station_command", "command_centre", "central_station"}},
		{"actions", "act.", []string{"dispatch", "reinforce", "push", "handover", "close", "callback", "en-route", "arrive", "resolve"}},
		{"roll-call answers", "duty.rc.", []string{"pending", "answered", "missed"}},
		{"shift states", "duty.shift.", []string{"on", "ahead", "over"}},
		{"check-in verdicts", "verdict.", []string{"inside", "outside", "no_position", "no_place"}},
		{"emergency roles", "erole.", []string{"officer", "cadre", "grid_worker", "activist"}},
		{"emergency answers", "eu.", []string{"notified", "acknowledged", "unreached", "app", "phone"}},
		{"force tasks", "task.", []string{"missing_person", "patrol", "school_gate", "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.values {
				if !zh[tt.prefix+v] {
					t.Errorf("no phrase for %s%s", tt.prefix, v)
				}
			}
		})
	}
}

// dictionary returns the keys of one language's block in i18n.js.
func dictionary(t *testing.T, src, lang string) map[string]bool {
	t.Helper()
	start := strings.Index(src, "\n  "+lang+": {")
	if start < 0 {
		t.Fatalf("no %s dictionary", lang)
	}
	end := strings.Index(src[start:], "\n  },")
	if end < 0 {
		t.Fatalf("%s dictionary not closed", lang)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+'([^']+)':`).FindAllStringSubmatch(src[start:start+end], -1) {
		if keys[m[1]] {
			t.Errorf("%s: key %q twice", lang, m[1])
		}
		keys[m[1]] = true
	}
	return keys
}
