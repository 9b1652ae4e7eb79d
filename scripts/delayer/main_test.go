package main

import (
	"encoding/binary"
	"testing"
)

// A NFQNL_MSG_PACKET as the kernel sends it: nlmsghdr, nfgenmsg, NFQA_PACKET_HDR (packet_id big-endian), another attribute.
func packetMsg(id uint32) []byte {
	hdr := binary.BigEndian.AppendUint32(nil, id)
	hdr = append(hdr, 0x08, 0x00, 3) // hw_protocol IPv4, hook NF_INET_LOCAL_IN... (any)
	return message(nfqnlMsgPacket, 0, 0, 7, attr(nfqaPacketHdr, hdr), attr(5, be32(2)))
}

func TestParsePackets(t *testing.T) {
	buf := append(packetMsg(0x01020304), packetMsg(42)...)
	evs, err := parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].kind != 1 || evs[0].id != 0x01020304 || evs[1].id != 42 {
		t.Fatalf("got %+v", evs)
	}
}

func TestParseAck(t *testing.T) {
	// NLMSG_ERROR: nlmsghdr, then int error (-1: EPERM), then the original header.
	b := make([]byte, nlmsgHdrLen+4+nlmsgHdrLen)
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:6], nlmsgError)
	binary.LittleEndian.PutUint32(b[8:12], 2)
	binary.LittleEndian.PutUint32(b[16:20], uint32(0xffffffff))
	evs, err := parse(b)
	if err != nil || len(evs) != 1 || evs[0].kind != 2 || evs[0].seq != 2 || evs[0].errno != -1 {
		t.Fatalf("got %+v %v", evs, err)
	}
}

func TestParseRejectsBadLength(t *testing.T) {
	b := packetMsg(1)
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)+8))
	if _, err := parse(b); err == nil {
		t.Fatal("a length past the datagram is an error")
	}
}

func TestVerdictMsg(t *testing.T) {
	b := verdictMsg(0x1234, 99, nfDrop)
	if got := binary.LittleEndian.Uint32(b[0:4]); int(got) != len(b) || len(b) != 16+4+4+8 {
		t.Fatalf("length %d of %d", got, len(b))
	}
	if typ := binary.LittleEndian.Uint16(b[4:6]); typ != 3<<8|1 {
		t.Fatalf("type %#x", typ)
	}
	if b[18] != 0x12 || b[19] != 0x34 {
		t.Fatal("res_id is the queue number, big-endian")
	}
	if l, ty := binary.LittleEndian.Uint16(b[20:22]), binary.LittleEndian.Uint16(b[22:24]); l != 12 || ty != nfqaVerdictHdr {
		t.Fatalf("attr %d %d", l, ty)
	}
	if binary.BigEndian.Uint32(b[24:28]) != nfDrop || binary.BigEndian.Uint32(b[28:32]) != 99 {
		t.Fatal("verdict header: verdict then id, big-endian")
	}
}

func TestParamsMsg(t *testing.T) {
	b := paramsMsg(2, 1, 10000)
	// After nlmsghdr (16) and nfgenmsg (4): NFQA_CFG_PARAMS, 5 bytes of payload padded to 8.
	if l, ty := binary.LittleEndian.Uint16(b[20:22]), binary.LittleEndian.Uint16(b[22:24]); l != 9 || ty != nfqaCfgParams {
		t.Fatalf("params attr %d %d", l, ty)
	}
	if b[28] != nfqnlCopyMeta {
		t.Fatal("copy mode META")
	}
	if binary.LittleEndian.Uint16(b[6:8])&nlmFAck == 0 {
		t.Fatal("configuration asks for an acknowledgement")
	}
}
