// go-plugin-host: drives a plugin binary with the real hashicorp/go-plugin client and grpc-go (Debian's
// golang-github-hashicorp-go-plugin-dev 1.0.1 and golang-google-grpc-dev 1.33), the libraries Velero's plugin
// manager is built on. Requests and responses travel as raw protobuf bytes, encoded here by hand, so no generated
// Go code is needed. Prints one line per check and a closing "N passed, M failed" line; exits 1 on any failure.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"os/exec"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rawCodec sends and receives *[]byte as the message bytes.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

// protobuf wire helpers (proto3: varint tag, length-delimited strings/bytes)
func appendVarint(b []byte, v uint64) []byte {
	var tmp [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(tmp[:], v)
	return append(b, tmp[:n]...)
}

func appendBytesField(b []byte, field int, value []byte) []byte {
	if len(value) == 0 {
		return b
	}
	b = appendVarint(b, uint64(field<<3|2))
	b = appendVarint(b, uint64(len(value)))
	return append(b, value...)
}

// fields returns the length-delimited fields of a message, by field number, in order.
func fields(message []byte) (map[int][][]byte, error) {
	out := map[int][][]byte{}
	for len(message) > 0 {
		tag, n := binary.Uvarint(message)
		if n <= 0 {
			return nil, fmt.Errorf("bad tag")
		}
		message = message[n:]
		field, wire := int(tag>>3), tag&7
		switch wire {
		case 0:
			_, n = binary.Uvarint(message)
			if n <= 0 {
				return nil, fmt.Errorf("bad varint")
			}
			message = message[n:]
		case 2:
			l, n := binary.Uvarint(message)
			if n <= 0 || uint64(len(message)-n) < l {
				return nil, fmt.Errorf("bad length")
			}
			out[field] = append(out[field], message[n:n+int(l)])
			message = message[n+int(l):]
		case 1:
			message = message[8:]
		case 5:
			message = message[4:]
		default:
			return nil, fmt.Errorf("unsupported wire type %d", wire)
		}
	}
	return out, nil
}

func executeRequest(name string, item, backup []byte) []byte {
	var b []byte
	b = appendBytesField(b, 1, []byte(name))
	b = appendBytesField(b, 2, item)
	return appendBytesField(b, 3, backup)
}

type checker struct{ passed, failed int }

func (c *checker) check(name string, ok bool, detail string) {
	if ok {
		c.passed++
		fmt.Printf("PASS %s\n", name)
	} else {
		c.failed++
		fmt.Printf("FAIL %s: %s\n", name, detail)
	}
}

func main() {
	path := flag.String("plugin", "", "plugin binary")
	echo := flag.String("echo", "", "backup item action that returns the item unchanged")
	echoItem := flag.String("echo-item", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"}}`, "item for -echo")
	failing := flag.String("fail", "", "backup item action that fails for -fail-item")
	failItem := flag.String("fail-item", `{}`, "item for -fail")
	failPrefix := flag.String("fail-prefix", "", "expected prefix of the -fail error message")
	expectPlugins := flag.Int("plugins", -1, "expected number of ListPlugins entries")
	flag.Parse()

	c := &checker{}
	ctx := context.Background()
	cmd := exec.Command(*path, "--log-level", "debug", "--features=EnableCSI")
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 2, MagicCookieKey: "VELERO_PLUGIN", MagicCookieValue: "hello"},
		Plugins:          map[string]plugin.Plugin{},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Cmd:              cmd,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: ioutil.Discard, Level: hclog.Error}),
		StartTimeout:     10 * time.Second,
	})
	protocol, err := client.Client()
	c.check("handshake and connection", err == nil, fmt.Sprint(err))
	if err != nil {
		client.Kill()
		finish(c)
	}
	conn := protocol.(*plugin.GRPCClient).Conn
	invoke := func(method string, request []byte) ([]byte, error) {
		var response []byte
		err := conn.Invoke(ctx, method, &request, &response, grpc.ForceCodec(rawCodec{}))
		return response, err
	}

	c.check("health (go-plugin Ping)", protocol.Ping() == nil, "ping failed")

	list, err := invoke("/generated.PluginLister/ListPlugins", nil)
	entries, perr := fields(list)
	ok := err == nil && perr == nil
	detail := fmt.Sprint(err, perr)
	if ok {
		for _, raw := range entries[1] {
			id, _ := fields(raw)
			if len(id[1]) == 0 || string(id[1][0]) != *path {
				ok, detail = false, "command is not argv[0]"
			}
		}
		if *expectPlugins >= 0 && len(entries[1]) != *expectPlugins {
			ok, detail = false, fmt.Sprintf("%d plugins, expected %d", len(entries[1]), *expectPlugins)
		}
	}
	c.check(fmt.Sprintf("ListPlugins (%d entries, command = argv[0])", len(entries[1])), ok, detail)

	if *echo != "" {
		item := []byte(*echoItem)
		response, err := invoke("/generated.BackupItemAction/Execute", executeRequest(*echo, item, []byte("{}")))
		got, perr := fields(response)
		ok := err == nil && perr == nil && len(got[1]) == 1 && bytes.Equal(got[1][0], item)
		c.check("Execute "+*echo+" echoes the item", ok, fmt.Sprint(err, perr))
	}

	if *failing != "" {
		_, err := invoke("/generated.BackupItemAction/Execute", executeRequest(*failing, []byte(*failItem), []byte("{}")))
		st, isStatus := status.FromError(err)
		ok := err != nil && isStatus && st.Code() == codes.Unknown && strings.HasPrefix(st.Message(), *failPrefix)
		c.check("Execute "+*failing+" fails with code Unknown and the action's message", ok, fmt.Sprint(err))
		details := st.Proto().GetDetails()
		ok = len(details) == 1 && details[0].GetTypeUrl() == "type.googleapis.com/generated.Stack" && len(details[0].GetValue()) > 0
		c.check("the error carries one generated.Stack detail", ok, fmt.Sprint(details))
	}

	_, err = invoke("/generated.BackupItemAction/Execute", executeRequest("example.io/missing", nil, nil))
	st, _ := status.FromError(err)
	c.check("unknown plugin name: Velero's not-found text",
		st.Code() == codes.Unknown && st.Message() == " plugin: example.io/missing was not found or has an invalid name format",
		fmt.Sprint(err))

	start := time.Now()
	client.Kill()
	elapsed := time.Since(start)
	exited := cmd.ProcessState != nil
	c.check(fmt.Sprintf("Kill: Shutdown, exit status 0 in %v", elapsed.Round(time.Millisecond)),
		exited && cmd.ProcessState.ExitCode() == 0 && elapsed < 2*time.Second,
		fmt.Sprint(cmd.ProcessState))
	finish(c)
}

func finish(c *checker) {
	fmt.Printf("%d passed, %d failed\n", c.passed, c.failed)
	if c.failed > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}
