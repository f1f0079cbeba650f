package backdoor_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/probe/backdoor"
)

// readImages reads the 8x8 images of a test CSV (64 pixels and a label per
// row) as a [N, 1, 8, 8] tensor.
func readImages(path string) (*model.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	x := &model.Tensor{Shape: []int{len(rows) - 1, 1, 8, 8}}
	for _, r := range rows[1:] {
		for _, v := range r[:64] {
			p, err := strconv.ParseFloat(v, 32)
			if err != nil {
				return nil, err
			}
			x.Data = append(x.Data, float32(p))
		}
	}
	return x, nil
}

// Check a digits CNN for a back door with 225 clean test images, and screen
// images that carry a suspected trigger; Results gives the assessment's view.
func ExampleCheck() {
	m, err := onnx.Load("testdata/cnn-trojan.onnx")
	if err != nil {
		panic(err)
	}
	clean, err := readImages("testdata/test-clean.csv")
	if err != nil {
		panic(err)
	}
	suspect, err := readImages("testdata/test-triggered.csv")
	if err != nil {
		panic(err)
	}
	clean, _ = clean.Slice(0, 225)
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	rep, err := backdoor.Check(context.Background(), m, clean, classes, backdoor.Config{Seed: 1, Suspect: suspect})
	if err != nil {
		panic(err)
	}
	for _, c := range rep.Cleanse.Flagged {
		fmt.Println("suspected target class:", rep.Classes[c])
	}
	for _, r := range backdoor.Results(rep, []string{"cnn-trojan.onnx"}) {
		fmt.Println(r.ID, r.Status)
	}
	// Output:
	// suspected target class: 7
	// backdoor/strip fail
	// backdoor/neural-cleanse fail
}
