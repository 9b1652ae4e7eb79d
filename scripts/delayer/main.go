// Command delayer holds every packet of one NFQUEUE for a fixed time, then lets it go: kubeha's lab `delay` fault on
// kernels without the netem qdisc (src/lab/faults.ts, docs/lab.md). Standard library only: it speaks nfnetlink_queue
// (include/uapi/linux/netfilter/nfnetlink_queue.h) over a raw AF_NETLINK socket.
//
//	delayer -queue N -delay 50ms [-loss 2] [-max-seconds S]
//
// It binds the queue in the network namespace it runs in (kubeha starts it with `ip netns exec <host's netns>`),
// asks for metadata only (the payload is never copied, so packets are never changed), and gives each packet its
// verdict once the delay has passed: NF_ACCEPT, or NF_DROP for `-loss` percent of them. Packets leave in the order
// they came (one delay for all: a FIFO is in deadline order). "ready" on stdout once the queue is bound. SIGTERM or
// SIGINT: every packet still held is let go at once, then it exits; so does it after -max-seconds. When it dies the
// kernel drops what it held, and the iptables rules' --queue-bypass lets later packets through undelayed (fail-open).
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Netlink and nfnetlink_queue constants (linux/netlink.h, linux/netfilter/nfnetlink.h, nfnetlink_queue.h).
const (
	netlinkNetfilter = 12  // NETLINK_NETFILTER
	solNetlink       = 270 // SOL_NETLINK
	netlinkNoENOBUFS = 5   // NETLINK_NO_ENOBUFS

	nlmsgHdrLen = 16
	nlmsgError  = 2 // NLMSG_ERROR
	nlmsgDone   = 3 // NLMSG_DONE
	nlmFRequest = 0x1
	nlmFAck     = 0x4

	nfnlSubsysQueue = 3 // NFNL_SUBSYS_QUEUE
	nfnetlinkV0     = 0

	nfqnlMsgPacket  = 0 // NFQNL_MSG_PACKET
	nfqnlMsgVerdict = 1 // NFQNL_MSG_VERDICT
	nfqnlMsgConfig  = 2 // NFQNL_MSG_CONFIG

	nfqaPacketHdr  = 1 // NFQA_PACKET_HDR: struct nfqnl_msg_packet_hdr {__be32 packet_id; __be16 hw_protocol; __u8 hook}
	nfqaVerdictHdr = 2 // NFQA_VERDICT_HDR: struct nfqnl_msg_verdict_hdr {__be32 verdict; __be32 id}

	nfqaCfgCmd         = 1 // NFQA_CFG_CMD: struct nfqnl_msg_config_cmd {__u8 command; __u8 _pad; __be16 pf}
	nfqaCfgParams      = 2 // NFQA_CFG_PARAMS: struct nfqnl_msg_config_params {__be32 copy_range; __u8 copy_mode} (packed)
	nfqaCfgQueueMaxlen = 3 // NFQA_CFG_QUEUE_MAXLEN: __be32
	nfqaCfgMask        = 4 // NFQA_CFG_MASK: __be32, which flags to change
	nfqaCfgFlags       = 5 // NFQA_CFG_FLAGS: __be32

	nfqnlCfgCmdBind = 1 // NFQNL_CFG_CMD_BIND
	nfqnlCopyMeta   = 1 // NFQNL_COPY_META
	nfqaCfgFGSO     = 1 << 2

	nfDrop   = 0 // NF_DROP
	nfAccept = 1 // NF_ACCEPT
)

func align4(n int) int { return (n + 3) &^ 3 }

// attr encodes one netlink attribute (struct nlattr {__u16 nla_len; __u16 nla_type}, padded to 4 bytes).
func attr(typ uint16, payload []byte) []byte {
	b := make([]byte, align4(4+len(payload)))
	binary.LittleEndian.PutUint16(b[0:2], uint16(4+len(payload)))
	binary.LittleEndian.PutUint16(b[2:4], typ)
	copy(b[4:], payload)
	return b
}

// message encodes one nfnetlink message of the queue subsystem: nlmsghdr, nfgenmsg {family, version, res_id (the
// queue number, big-endian)}, attributes. Netlink's own header is in host byte order (little-endian on amd64/arm64).
func message(msgType uint16, flags uint16, seq uint32, queue uint16, attrs ...[]byte) []byte {
	body := []byte{0 /* AF_UNSPEC */, nfnetlinkV0, byte(queue >> 8), byte(queue)}
	for _, a := range attrs {
		body = append(body, a...)
	}
	b := make([]byte, nlmsgHdrLen, nlmsgHdrLen+len(body))
	binary.LittleEndian.PutUint32(b[0:4], uint32(nlmsgHdrLen+len(body)))
	binary.LittleEndian.PutUint16(b[4:6], nfnlSubsysQueue<<8|msgType)
	binary.LittleEndian.PutUint16(b[6:8], nlmFRequest|flags)
	binary.LittleEndian.PutUint32(b[8:12], seq)
	return append(b, body...)
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func bindMsg(seq uint32, queue uint16) []byte {
	return message(nfqnlMsgConfig, nlmFAck, seq, queue, attr(nfqaCfgCmd, []byte{nfqnlCfgCmdBind, 0, 0, 0}))
}

func paramsMsg(seq uint32, queue uint16, maxlen uint32) []byte {
	params := append(be32(0), nfqnlCopyMeta)
	return message(nfqnlMsgConfig, nlmFAck, seq, queue,
		attr(nfqaCfgParams, params),
		attr(nfqaCfgQueueMaxlen, be32(maxlen)),
		attr(nfqaCfgFlags, be32(nfqaCfgFGSO)),
		attr(nfqaCfgMask, be32(nfqaCfgFGSO)))
}

func verdictMsg(queue uint16, id uint32, verdict uint32) []byte {
	return message(nfqnlMsgVerdict, 0, 0, queue, attr(nfqaVerdictHdr, append(be32(verdict), be32(id)...)))
}

// event is what one received netlink message means to the delayer.
type event struct {
	kind  int // 0 other, 1 packet, 2 ack or error
	id    uint32
	seq   uint32
	errno int32
}

// parse splits a datagram into netlink messages and reads what the delayer needs from each.
func parse(buf []byte) ([]event, error) {
	var out []event
	for len(buf) >= nlmsgHdrLen {
		n := int(binary.LittleEndian.Uint32(buf[0:4]))
		if n < nlmsgHdrLen || n > len(buf) {
			return out, fmt.Errorf("netlink message length %d in a %d-byte datagram", n, len(buf))
		}
		typ := binary.LittleEndian.Uint16(buf[4:6])
		seq := binary.LittleEndian.Uint32(buf[8:12])
		body := buf[nlmsgHdrLen:n]
		switch {
		case typ == nlmsgError:
			if len(body) < 4 {
				return out, errors.New("short NLMSG_ERROR")
			}
			out = append(out, event{kind: 2, seq: seq, errno: int32(binary.LittleEndian.Uint32(body[0:4]))})
		case typ == nlmsgDone:
		case typ == nfnlSubsysQueue<<8|nfqnlMsgPacket:
			id, ok := packetID(body)
			if !ok {
				return out, errors.New("NFQNL_MSG_PACKET without NFQA_PACKET_HDR")
			}
			out = append(out, event{kind: 1, id: id})
		}
		if align4(n) >= len(buf) {
			break
		}
		buf = buf[align4(n):]
	}
	return out, nil
}

// packetID finds NFQA_PACKET_HDR after the 4-byte nfgenmsg and returns its packet_id.
func packetID(body []byte) (uint32, bool) {
	if len(body) < 4 {
		return 0, false
	}
	a := body[4:]
	for len(a) >= 4 {
		l := int(binary.LittleEndian.Uint16(a[0:2]))
		t := binary.LittleEndian.Uint16(a[2:4]) & 0x3fff // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
		if l < 4 || l > len(a) {
			return 0, false
		}
		if t == nfqaPacketHdr && l >= 4+4 {
			return binary.BigEndian.Uint32(a[4:8]), true
		}
		a = a[min(align4(l), len(a)):]
	}
	return 0, false
}

type held struct {
	id  uint32
	due time.Time
}

func main() {
	queue := flag.Uint("queue", 0, "NFQUEUE number to bind (0-65535)")
	delay := flag.Duration("delay", 0, "how long each packet is held, e.g. 50ms")
	loss := flag.Float64("loss", 0, "percent of packets dropped instead of let go (0-100)")
	maxlen := flag.Uint("maxlen", 10000, "packets the kernel may hold for this queue; more are dropped (as netem's limit)")
	maxSeconds := flag.Uint("max-seconds", 7*24*3600, "exit after this many seconds (a bound for a forgotten fault)")
	flag.Parse()
	if *queue > 65535 || *delay < 0 || *loss < 0 || *loss > 100 {
		fmt.Fprintln(os.Stderr, "delayer: -queue 0-65535, -delay ≥ 0, -loss 0-100")
		os.Exit(2)
	}
	if err := run(uint16(*queue), *delay, *loss, uint32(*maxlen), time.Duration(*maxSeconds)*time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "delayer: %v\n", err)
		os.Exit(1)
	}
}

func run(queue uint16, delay time.Duration, loss float64, maxlen uint32, lifetime time.Duration) error {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind netlink: %w", err)
	}
	// Room for bursts (root may exceed rmem_max); lost notifications must not stop the loop.
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 16<<20)
	_ = syscall.SetsockoptInt(fd, solNetlink, netlinkNoENOBUFS, 1)
	kernel := &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}
	var sendMu sync.Mutex
	send := func(b []byte) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return syscall.Sendto(fd, b, 0, kernel)
	}
	buf := make([]byte, 1<<16)
	// Configuration: each message acknowledged (or refused) before the next.
	for seq, msg := range [][]byte{bindMsg(1, queue), paramsMsg(2, queue, maxlen)} {
		if err := send(msg); err != nil {
			return fmt.Errorf("configure queue %d: %w", queue, err)
		}
		if err := awaitAck(fd, buf, uint32(seq+1)); err != nil {
			return fmt.Errorf("configure queue %d: %w", queue, err)
		}
	}

	var mu sync.Mutex
	var fifo []held
	wake := make(chan struct{}, 1)
	stop := make(chan struct{})
	verdict := func(id uint32) {
		v := uint32(nfAccept)
		if loss > 0 && rand.Float64()*100 < loss {
			v = nfDrop
		}
		_ = send(verdictMsg(queue, id, v))
	}

	// Releaser: lets each packet go when its time has come; on stop, lets every held packet go at once.
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(time.Hour)
		for {
			mu.Lock()
			now := time.Now()
			var due []held
			for len(fifo) > 0 && !fifo[0].due.After(now) {
				due = append(due, fifo[0])
				fifo = fifo[1:]
			}
			next := time.Hour
			if len(fifo) > 0 {
				next = fifo[0].due.Sub(now)
			}
			mu.Unlock()
			for _, p := range due {
				verdict(p.id)
			}
			timer.Reset(next)
			select {
			case <-timer.C:
			case <-wake:
			case <-stop:
				mu.Lock()
				rest := fifo
				fifo = nil
				mu.Unlock()
				for _, p := range rest {
					_ = send(verdictMsg(queue, p.id, nfAccept))
				}
				return
			}
		}
	}()

	// Reader: blocking receives in their own goroutine; signals and the lifetime end the program.
	readErr := make(chan error, 1)
	go func() {
		for {
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err != nil {
				if err == syscall.EINTR || err == syscall.ENOBUFS {
					continue
				}
				readErr <- err
				return
			}
			evs, perr := parse(buf[:n])
			now := time.Now()
			mu.Lock()
			wasEmpty := len(fifo) == 0
			for _, e := range evs {
				if e.kind == 1 {
					fifo = append(fifo, held{id: e.id, due: now.Add(delay)})
				}
			}
			mu.Unlock()
			if wasEmpty {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
			if perr != nil {
				fmt.Fprintf(os.Stderr, "delayer: %v\n", perr)
			}
		}
	}()

	fmt.Printf("ready queue %d delay %s loss %g%%\n", queue, delay, loss)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	var result error
	select {
	case s := <-sig:
		fmt.Fprintf(os.Stderr, "delayer: %s: letting held packets go\n", s)
	case <-time.After(lifetime):
		fmt.Fprintf(os.Stderr, "delayer: %s passed: exiting\n", lifetime)
	case err := <-readErr:
		result = fmt.Errorf("receive: %w", err)
	}
	close(stop)
	<-done
	return result
}

// awaitAck reads until the acknowledgement of `seq` arrives; a non-zero error code fails.
func awaitAck(fd int, buf []byte, seq uint32) error {
	for i := 0; i < 64; i++ {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return err
		}
		evs, err := parse(buf[:n])
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.kind == 2 && e.seq == seq {
				if e.errno != 0 {
					return syscall.Errno(-e.errno)
				}
				return nil
			}
		}
	}
	return errors.New("no acknowledgement from the kernel")
}
