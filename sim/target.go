package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Target drives a running Precinct server over HTTP instead of in process.
type Target struct {
	URL      string
	Username string
	Password string
	Client   *http.Client
	// Workers is how many requests are in flight at once (default 4).
	Workers int
}

// Submit logs in and posts every call as an incident, each with an
// Idempotency-Key made from the seed and its index, so a rerun does not
// duplicate. It returns how many incidents the server took.
func (t *Target) Submit(ctx context.Context, calls []Call, seed int64, progress func(done, total int)) (int, error) {
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	token, err := t.login(ctx, client)
	if err != nil {
		return 0, err
	}
	workers := t.Workers
	if workers <= 0 {
		workers = 4
	}
	jobs := make(chan int)
	var accepted, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := t.post(ctx, client, token, calls[i], fmt.Sprintf("sim-%d-%d", seed, i)); err != nil {
					once.Do(func() { firstErr = err })
				} else {
					accepted.Add(1)
				}
				if n := done.Add(1); progress != nil && n%50 == 0 {
					progress(int(n), len(calls))
				}
			}
		}()
	}
	for i := range calls {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if progress != nil {
		progress(len(calls), len(calls))
	}
	return int(accepted.Load()), firstErr
}

func (t *Target) login(ctx context.Context, client *http.Client) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": t.Username, "password": t.Password})
	req, err := http.NewRequestWithContext(ctx, "POST", t.URL+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return "", fmt.Errorf("login to %s as %s: status %d", t.URL, t.Username, resp.StatusCode)
	}
	return out.Token, nil
}

func (t *Target) post(ctx context.Context, client *http.Client, token string, c Call, key string) error {
	body, _ := json.Marshal(c.Input)
	req, err := http.NewRequestWithContext(ctx, "POST", t.URL+"/api/v1/incidents", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("incident: status %d: %s", resp.StatusCode, b)
	}
	return nil
}
