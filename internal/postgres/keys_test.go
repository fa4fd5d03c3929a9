package postgres_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

func TestServerKeyIsGeneratedOnceAndShared(t *testing.T) {
	ctx := context.Background()
	name := strings.ReplaceAll(unique("test_key"), "-", "_")

	const callers = 20
	keys := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { keys[i], errs[i] = shared.ServerKey(ctx, name) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if len(keys[i]) != 32 {
			t.Fatalf("caller %d: key of %d bytes, want 32", i, len(keys[i]))
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got a different key than caller 0", i)
		}
	}
	again, err := shared.ServerKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, keys[0]) {
		t.Error("a later call got a different key")
	}
	other, err := shared.ServerKey(ctx, name+"_other")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, keys[0]) {
		t.Error("two names share one key")
	}
}
