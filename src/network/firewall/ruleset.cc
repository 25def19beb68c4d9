// Renders berth's nftables table from a checked state. Every printed value is
// a canonical address, a number, a fixed keyword or a checked interface name.
#include <string>
#include <string_view>
#include <vector>

#include "network/firewall/fw_model.h"
#include "network/firewall/nft_firewall.h"

namespace berth {
namespace {

constexpr const char* kTable = "inet berth";

class Script {
 public:
  // Appends one line made of `parts`, without building temporaries.
  template <typename... Parts>
  void line(int indent, const Parts&... parts) {
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    (out_.append(std::string_view(parts)), ...);
    out_ += '\n';
  }
  void blank() { out_ += '\n'; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string quoted(const std::string& ifname) { return "\"" + ifname + "\""; }

// "ip" or "ip6": the payload keyword of a family.
std::string fam(const IpPrefix& p) { return p.isV4() ? "ip" : "ip6"; }

void renderElements(Script& s, const std::vector<std::string>& elements) {
  if (elements.empty()) {
    return;
  }
  s.line(2, "elements = {");
  for (std::size_t i = 0; i < elements.size(); ++i) {
    s.line(3, elements[i], i + 1 < elements.size() ? "," : "");
  }
  s.line(2, "}");
}

void renderBridgeSet(Script& s, const FwCheckedState& st) {
  std::vector<std::string> names;
  for (const FwCheckedNetwork& n : st.networks) {
    names.push_back(quoted(n.bridge));
  }
  s.line(1, "# Every berth bridge.");
  s.line(1, "set bridges {");
  s.line(2, "type ifname");
  renderElements(s, names);
  s.line(1, "}");
}

// The four DNAT maps: per family, unbound (proto . port) and bound to one host
// address (addr . proto . port); the value is container address . port.
void renderDnatMaps(Script& s, const FwCheckedState& st) {
  struct MapSpec {
    const char* name;
    const std::vector<FwDnat>* entries;
    bool bound;
    const char* addrType;
  };
  const MapSpec specs[] = {
      {"published4", &st.dnat4, false, "ipv4_addr"},
      {"published4_bound", &st.dnat4, true, "ipv4_addr"},
      {"published6", &st.dnat6, false, "ipv6_addr"},
      {"published6_bound", &st.dnat6, true, "ipv6_addr"},
  };
  for (const MapSpec& m : specs) {
    std::vector<std::string> elements;
    for (const FwDnat& d : *m.entries) {
      if (d.hostIp.has_value() != m.bound) {
        continue;
      }
      std::string key = m.bound ? d.hostIp->toString() + " . " : std::string();
      key += d.proto + " . " + std::to_string(d.hostPort);
      elements.push_back(key + " : " + d.containerIp.toString() + " . " +
                         std::to_string(d.containerPort));
    }
    std::string keyType = m.bound ? std::string(m.addrType) + " . " : std::string();
    s.blank();
    s.line(1, "map ", m.name, " {");
    s.line(2, "type ", keyType, "inet_proto . inet_service : ", m.addrType, " . inet_service");
    renderElements(s, elements);
    s.line(1, "}");
  }
}

void renderForward(Script& s, const FwCheckedState& st) {
  s.blank();
  s.line(1, "chain forward {");
  s.line(2, "type filter hook forward priority filter; policy accept;");
  for (const FwCheckedNetwork& n : st.networks) {
    if (n.internal) {
      std::string br = quoted(n.bridge);
      s.line(2, "# ", n.id, " is internal: bridge-local traffic only");
      s.line(2, "iifname ", br, " oifname != ", br, " drop");
      s.line(2, "oifname ", br, " iifname != ", br, " drop");
    }
  }
  s.line(2, "# published ports, both ways, from anywhere (other berth networks too)");
  s.line(2, "oifname @bridges ct status dnat accept");
  for (const FwCheckedNetwork& n : st.networks) {
    if (!n.internal) {
      std::string br = quoted(n.bridge);
      s.line(2, "# ", n.id, ": isolated from the other berth bridges");
      s.line(2, "iifname ", br, " oifname != ", br, " oifname @bridges drop");
    }
  }
  s.line(2, "ct state established,related accept");
  for (const FwCheckedNetwork& n : st.networks) {
    std::string same = "iifname " + quoted(n.bridge) + " oifname " + quoted(n.bridge);
    if (!n.icc) {
      s.line(2, "# ", n.id, ": icc=false");
    }
    s.line(2, same, (n.icc ? " accept" : " drop"));
  }
  s.line(2, "# nothing else enters a bridge; what leaves one may go out");
  s.line(2, "oifname @bridges drop");
  s.line(2, "iifname @bridges accept");
  s.line(1, "}");
}

void renderNat(Script& s, const FwCheckedState& st) {
  s.blank();
  s.line(1, "# DNAT of published ports, for the prerouting and output hooks.");
  s.line(1, "chain published {");
  s.line(2, "dnat ip to ip daddr . meta l4proto . th dport map @published4_bound");
  s.line(2, "meta nfproto ipv4 dnat ip to meta l4proto . th dport map @published4");
  s.line(2, "dnat ip6 to ip6 daddr . meta l4proto . th dport map @published6_bound");
  s.line(2, "meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @published6");
  s.line(1, "}");
  s.blank();
  s.line(1, "chain prerouting {");
  s.line(2, "type nat hook prerouting priority dstnat; policy accept;");
  s.line(2, "fib daddr type local jump published");
  s.line(1, "}");
  s.blank();
  s.line(1, "# The host's own connections, 127.0.0.1 included.");
  s.line(1, "chain output {");
  s.line(2, "type nat hook output priority -100; policy accept;");
  s.line(2, "fib daddr type local jump published");
  s.line(1, "}");
  s.blank();
  s.line(1, "chain postrouting {");
  s.line(2, "type nat hook postrouting priority srcnat; policy accept;");
  s.line(2, "# published on 127.0.0.1: a loopback source cannot leave through a bridge");
  s.line(2, "oifname @bridges ip saddr 127.0.0.0/8 ct status dnat masquerade");
  for (const FwCheckedNetwork& n : st.networks) {
    if (n.internal) {
      continue;
    }
    std::string br = quoted(n.bridge);
    for (const IpPrefix& p : n.subnets) {
      std::string saddr = fam(p) + " saddr " + p.toString();
      s.line(2, "# ", n.id, " ", p.toString());
      s.line(2, "oifname ", br, " ", saddr, " ct status dnat masquerade");
      if (n.masquerade) {
        s.line(2, "oifname != ", br, " ", saddr, " masquerade");
      }
    }
  }
  s.line(1, "}");
}

}  // namespace

Result<std::string> renderRuleset(const FwState& state) {
  BERTH_ASSIGN_OR_RETURN(FwCheckedState st, checkFwState(state));
  Script s;
  // "add" first so that "delete" works when the table does not exist yet; the
  // three commands are one batch, so the old table is never missing.
  s.line(0, "add table ", kTable);
  s.line(0, "delete table ", kTable);
  s.line(0, "table ", kTable, " {");
  renderBridgeSet(s, st);
  renderDnatMaps(s, st);
  renderForward(s, st);
  renderNat(s, st);
  s.line(0, "}");
  return s.take();
}

std::string renderRemoveAll() {
  return std::string("add table ") + kTable + "\ndelete table " + kTable + "\n";
}

}  // namespace berth
