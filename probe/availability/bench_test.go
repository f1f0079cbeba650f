package availability

import (
	"context"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model/remote/testserver"
)

// BenchmarkSpongeWork is the sponge search of the basic plan (100
// evaluations, 50 normal rows) on the credit-scoring models, counting work.
func BenchmarkSpongeWork(b *testing.B) {
	for _, file := range []string{"mlp.onnx", "gbt.onnx"} {
		b.Run(file, func(b *testing.B) {
			ex := loadExample(b, "credit-scoring", file, 100)
			for b.Loop() {
				if _, err := SearchSponge(context.Background(), ex.model, ex.x, ex.cons, Options{SpongeBudget: 100, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLatencyProfile is the basic plan's latency profile (100
// requests) of the credit-scoring MLP, in process.
func BenchmarkLatencyProfile(b *testing.B) {
	ex := loadExample(b, "credit-scoring", "mlp.onnx", 100)
	for b.Loop() {
		if _, err := Profile(context.Background(), ex.model, ex.x, Options{Requests: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMalformedOIP sends every malformed-input case (8 MiB payload
// included) to the OIP test server on loopback.
func BenchmarkMalformedOIP(b *testing.B) {
	ex := loadExample(b, "credit-scoring", "mlp.onnx", 1)
	srv, err := testserver.New(ex.model, testserver.Config{Name: "credit"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	info := ex.model.Info()
	ep := Endpoint{URL: srv.URL + "/v2/models/credit/infer", Protocol: "oip", Encode: OIPEncoder(info.Input, info.InputShape),
		Header: bearer(srv.Token), RequestTimeout: 10 * time.Second}
	for b.Loop() {
		if _, err := TestMalformed(context.Background(), ep, ex.x.Row(0)); err != nil {
			b.Fatal(err)
		}
	}
}
