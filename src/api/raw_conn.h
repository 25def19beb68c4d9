// RawConn over a hijacked Asio stream (internal to api/).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "api/http_types.h"

namespace berth::api {

// `pending` holds bytes the HTTP parser had already read past the request.
std::unique_ptr<RawConn> makeRawConn(boost::asio::local::stream_protocol::socket s,
                                     std::string pending);
std::unique_ptr<RawConn> makeRawConn(boost::asio::ip::tcp::socket s, std::string pending);
std::unique_ptr<RawConn> makeRawConn(boost::asio::ssl::stream<boost::asio::ip::tcp::socket> s,
                                     std::string pending);

}  // namespace berth::api
