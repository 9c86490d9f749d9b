package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"precinct"
)

// TestRecommendationResponse checks that GET …/recommendations answers the
// console with exactly the JSON encoding/json writes for the service's
// recommendation (the handler writes it by hand), with its Content-Type
// and Content-Length, and only to a signed-in caller.
func TestRecommendationResponse(t *testing.T) {
	m := startMain(t, nil)
	c := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	sts := listAll[*precinct.Station](c, "/api/v1/stations")
	var inc precinct.Incident
	if code := c.do("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "dispute", "place_type": "street",
		"location": sts[0].Location, "priority": 2}, &inc); code != 201 {
		t.Fatalf("intake: %d", code)
	}
	path := "/api/v1/incidents/" + inc.ID + "/recommendations"
	req, err := http.NewRequest("GET", m.HTTP.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || resp.ContentLength != int64(got.Len()) {
		t.Fatalf("status %d, Content-Type %q, Content-Length %d for %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength, got.Len())
	}

	ctx := context.Background()
	u, err := m.Auth.Authenticate(ctx, c.token)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.Dispatch.Recommend(precinct.NewContextWithUser(ctx, u), inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Candidates) == 0 || len(rec.Excluded) == 0 {
		t.Fatalf("%d candidates, %d exclusions: the comparison would prove little", len(rec.Candidates), len(rec.Excluded))
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("the response differs from encoding/json's:\n got %s\nwant %s", got.Bytes(), want.Bytes())
	}

	anon := &client{t: t, base: m.HTTP.URL()}
	if code, _ := anon.raw("GET", path, nil, nil); code != 401 {
		t.Errorf("without a token: %d, want 401", code)
	}
}
