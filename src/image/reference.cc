#include "image/reference.h"

#include <cctype>

#include "common/ids.h"
#include "common/strings.h"

namespace berth::image {

namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";
constexpr size_t kNameTotalLengthMax = 255;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool isWord(char c) { return isAlnum(c) || c == '_'; }
bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
bool isPathComponent(std::string_view s) {
  size_t i = 0;
  auto alnumRun = [&] {
    size_t start = i;
    while (i < s.size() && isLowerAlnum(s[i])) {
      ++i;
    }
    return i > start;
  };
  if (!alnumRun()) {
    return false;
  }
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') {
        ++i;
      }
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') {
        ++i;
      }
    } else {
      return false;
    }
    if (!alnumRun()) {
      return false;
    }
  }
  return true;
}

// (?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])
bool isDomainComponent(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!isAlnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// host(:port)? where host is dotted components or a bracketed IPv6 address.
bool isDomainAndPort(std::string_view s) {
  std::string_view host = s;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close < 2) {
      return false;
    }
    for (char c : s.substr(1, close - 1)) {
      if (!isHex(c) && c != ':') {
        return false;
      }
    }
    host = {};
    s = s.substr(close + 1);
  } else {
    auto colon = s.find(':');
    host = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    for (const auto& part : split(host, '.')) {
      if (!isDomainComponent(part)) {
        return false;
      }
    }
  }
  if (s.empty()) {
    return true;
  }
  if (s.front() != ':' || s.size() < 2) {
    return false;
  }
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool isTag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !isWord(s.front())) {
    return false;
  }
  for (char c : s) {
    if (!isWord(c) && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}
bool isDigestSyntax(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  std::string_view alg = s.substr(0, colon);
  std::string_view hex = s.substr(colon + 1);
  bool wantLetter = true;
  for (char c : alg) {
    if (wantLetter) {
      if (std::isalpha(static_cast<unsigned char>(c)) == 0) {
        return false;
      }
      wantLetter = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      wantLetter = true;
    } else if (!isAlnum(c)) {
      return false;
    }
  }
  if (wantLetter || hex.size() < 32) {
    return false;
  }
  for (char c : hex) {
    if (!isHex(c)) {
      return false;
    }
  }
  return true;
}

// reference.Parse on a name that already carries its domain.
Result<Reference> parseFull(std::string_view s) {
  Reference ref;
  std::string_view rest = s;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (!isDigestSyntax(digest)) {
      return invalidArgument("invalid reference format");
    }
    if (!isImageDigest(digest)) {
      return invalidArgument("invalid checksum digest format");
    }
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    std::string_view tag = rest.substr(colon + 1);
    if (!isTag(tag)) {
      return invalidArgument("invalid reference format");
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    return invalidArgument("invalid reference format");
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || !isDomainAndPort(rest.substr(0, slash))) {
    return invalidArgument("invalid reference format");
  }
  ref.domain = std::string(rest.substr(0, slash));
  ref.path = std::string(rest.substr(slash + 1));
  for (const auto& comp : split(ref.path, '/')) {
    if (!isPathComponent(comp)) {
      if (isPathComponent(toLower(comp))) {
        return invalidArgument("invalid reference format: repository name must be lowercase");
      }
      return invalidArgument("invalid reference format");
    }
  }
  if (rest.size() > kNameTotalLengthMax) {
    return invalidArgument("invalid reference format: repository name must not be more than " +
                           std::to_string(kNameTotalLengthMax) + " characters");
  }
  return ref;
}

}  // namespace

bool isImageDigest(std::string_view s) {
  if (s.size() != 71 || s.substr(0, 7) != "sha256:") {
    return false;
  }
  for (char c : s.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string Reference::name() const { return domain + "/" + path; }

std::string Reference::familiarName() const {
  if (domain != kDefaultDomain) {
    return name();
  }
  std::string_view p = path;
  // "library/x" shortens to "x", but "library/x/y" keeps its prefix.
  if (startsWith(p, kOfficialPrefix) && p.find('/', kOfficialPrefix.size()) == std::string::npos) {
    p.remove_prefix(kOfficialPrefix.size());
  }
  return std::string(p);
}

std::string Reference::familiarString() const {
  std::string out = familiarName();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

std::string Reference::string() const {
  std::string out = name();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

Result<Reference> parseNormalizedNamed(std::string_view s) {
  if (s.size() == 64 && isHexIdPrefix(s)) {
    return invalidArgument("invalid repository name (" + std::string(s) +
                           "), cannot specify 64-byte hexadecimal strings");
  }
  if (s.empty()) {
    return invalidArgument(
        "invalid reference format: repository name must have at least one component");
  }
  // splitDockerDomain: the first component is a domain only when it looks like one.
  std::string domain;
  std::string remainder;
  auto slash = s.find('/');
  std::string_view first = s.substr(0, slash);
  if (slash == std::string_view::npos || (first.find_first_of(".:") == std::string_view::npos &&
                                          first != "localhost" && toLower(first) == first)) {
    domain = kDefaultDomain;
    remainder = std::string(s);
  } else {
    domain = std::string(first);
    remainder = std::string(s.substr(slash + 1));
  }
  if (domain == kLegacyDefaultDomain) {
    domain = kDefaultDomain;
  }
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) {
    remainder = std::string(kOfficialPrefix) + remainder;
  }
  std::string remoteName = remainder.substr(0, remainder.find(':'));
  if (toLower(remoteName) != remoteName) {
    return invalidArgument("invalid reference format: repository name (" + remoteName +
                           ") must be lowercase");
  }
  return parseFull(domain + "/" + remainder);
}

Reference withDefaultTag(Reference ref) {
  if (ref.nameOnly()) {
    ref.tag = kDefaultTag;
  }
  return ref;
}

Status validateTag(std::string_view tag) {
  if (!isTag(tag)) {
    return invalidArgument("invalid tag format");
  }
  return okStatus();
}

}  // namespace berth::image
