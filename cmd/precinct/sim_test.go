package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func simJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), append([]string{"sim"}, args...), func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out.String()), &v); err != nil {
		t.Fatalf("sim --json printed %q: %v", out.String(), err)
	}
	return v
}

func TestSimJSON(t *testing.T) {
	v := simJSON(t, "--scenario", "nanning", "--days", "1", "--seed", "5", "--json")
	k, _ := v["kpis"].(map[string]any)
	for _, key := range []string{"flow_time_mean_s", "response_time_mean_s", "response_time_p90_s", "on_scene_completion", "patrol_share"} {
		if _, ok := k[key]; !ok {
			t.Errorf("kpis lack %s", key)
		}
	}
	if n, _ := v["incidents"].(float64); n < 100 {
		t.Errorf("incidents %v", v["incidents"])
	}
	if _, ok := v["policies"].(map[string]any)["legacy"]; !ok {
		t.Error("no legacy result beside reform")
	}
}

// TestSimTargetPutsTheSameIncidentsThroughHTTP drives a running server and
// checks it took as many incidents as the in-process run simulated.
func TestSimTargetPutsTheSameIncidentsThroughHTTP(t *testing.T) {
	base, pw := startServer(t)
	inProcess := simJSON(t, "--scenario", "qianjiang", "--days", "1", "--seed", "9", "--policy", "reform", "--json")
	viaHTTP := simJSON(t, "--scenario", "qianjiang", "--days", "1", "--seed", "9", "--json", "--target", base, "--user", "dispatcher", "--password", pw["demo"])
	if inProcess["incidents"] != viaHTTP["incidents"] || viaHTTP["incidents"].(float64) == 0 {
		t.Fatalf("in process %v incidents, through HTTP %v", inProcess["incidents"], viaHTTP["incidents"])
	}
	c := login(t, base, "dispatcher", pw["demo"])
	if n := len(listAll[map[string]any](c, "/api/v1/incidents")); float64(n) != viaHTTP["incidents"].(float64) {
		t.Errorf("server holds %d incidents, sim says %v", n, viaHTTP["incidents"])
	}
}
