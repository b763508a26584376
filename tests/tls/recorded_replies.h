// Server replies to hand-built ClientHellos, as hex. The first group was RECORDED: replies
// of `openssl s_server` (OpenSSL 3.0, Debian 12) on loopback to hellos from
// build_client_hello() (random 00 01 .. 1f), captured once by hand and pasted here. The
// second group is HAND-MADE, for what no local server still speaks (SSLv2, SSLv3 with an
// EXPORT suite); tests/integration/canned_hello_server.py answers with the same bytes.
#pragma once

#include <string_view>

namespace tlsfleet::test {

// ---------------------------------------------------------------- recorded

// TLS 1.2 hello offering ECDHE-ECDSA/RSA suites, EC P-256 certificate:
// ServerHello (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, renegotiation_info, point formats,
// session_ticket, EMS; random ends in the TLS 1.2 downgrade sentinel), Certificate,
// ServerKeyExchange (named_curve x25519), ServerHelloDone.
// 596 bytes.
inline constexpr std::string_view kTls12EcdheFlight =
    "16030300410200003d030369818f491155e9834bb83595117ab116cf19b384908549ae444f57"
    "4e4752440100c02b000015ff01000100000b000403000102002300000017000016030301880b"
    "00018400018100017e3082017a30820121a003020102021471feb471b3c953deb9d9eafe273b"
    "953ec2a9044a300a06082a8648ce3d04030230133111300f06035504030c087261772e746573"
    "74301e170d3236313132373139333331305a170d3336313132343139333331305a3013311130"
    "0f06035504030c087261772e746573743059301306072a8648ce3d020106082a8648ce3d0301"
    "0703420004f84561647064cc57d233bf9f5d6ad3395d54012efcec5bc1884736d1d2f1754faf"
    "73288929856916d64a668e54e8764c90726bcf6ee4aba71792d847c4b5954da3533051301d06"
    "03551d0e0416041429e05628eb5a1a3974dc8a3f09a4b18ae2070cd5301f0603551d23041830"
    "16801429e05628eb5a1a3974dc8a3f09a4b18ae2070cd5300f0603551d130101ff0405300301"
    "01ff300a06082a8648ce3d04030203470030440220663b835b0215f46462817434ce9e7abff2"
    "0621bbc9fe1b2238503bb46568b22c02206f2ce1159046da87e4f9bbcf14ef728b06e94a9a93"
    "bdea1acd99a7fd90f54a6316030300730c00006f03001d20b36dcfcd7c53903443bf43440234"
    "ad10c055153f951463e772968128edd4e9390403004730450221008607081daccbb17a272083"
    "5a94602c8352436a6f684a9f000ffd5a18c293f3d302202b64ab825055ac89b45b483853efbf"
    "af3d808f46ce20e5a663b10d9ac954be3d16030300040e000000";

// TLS 1.2 hello offering TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 and ALPN h2,http/1.1 to a
// server with an RSA-1024 certificate, 1024-bit DH parameters and -alpn h2: ServerHello
// (ALPN h2), Certificate, ServerKeyExchange (1024-bit prime), ServerHelloDone.
// 1013 bytes.
inline constexpr std::string_view kTls12DheAlpnFlight =
    "16030300420200003e030345f61110c423c4876cb217899773fa7f7a75ceeddcc7a132444f57"
    "4e4752440100009e000016ff010001000023000000100005000302683200170000160303020c"
    "0b000208000205000202308201fe30820167a00302010202142befccc7510a28fdfc96539799"
    "22a6daf4da6e5b300d06092a864886f70d01010b05003011310f300d06035504030c06722e74"
    "657374301e170d3236313132373139333332375a170d3336313132343139333332375a301131"
    "0f300d06035504030c06722e7465737430819f300d06092a864886f70d010101050003818d00"
    "30818902818100b742fbc8489c2cf639ae5214bf97f3a068d3270d41809d212f4164a1fb2e40"
    "793503a4180695b6902c217305ebf5d2f515a6efd395e3092dcdff6ff61d2f767015a7657a47"
    "801b69746db6656ebe7b1c48b2950e3eed8a0e8bdf3f8bea7750d3e470ad1ea1e0903ca67c8d"
    "2a8a821ba3fac4c496ad4815634ae05ccf8cf153b50203010001a3533051301d0603551d0e04"
    "160414242f73c13d053077a68636a65203c21c600c481b301f0603551d23041830168014242f"
    "73c13d053077a68636a65203c21c600c481b300f0603551d130101ff040530030101ff300d06"
    "092a864886f70d01010b0500038181000570ee113edbcbd1e4d7382816888ca80a05648b8a41"
    "54b252e16a59acf3ef705ce3bdf76e17037c3fba37dbf475285984ab4b175d83a07945501714"
    "bdb27bcf26c290cfc05c8e10d038103d1ccb4903faa8c3c87195cc37b8dc5f86ad1b2d41c133"
    "a72d0b3929c2647fffad55321ff3ab140b324c144c38497ce715b23a06e8160303018f0c0001"
    "8b0080b51e565ea734e4a7826b9600823865e38158574860383293d6f37f2d66f70515aacee5"
    "5a463a1e4d6a620617223c3cc333dd7611dc1ccb8ffc4125ca4de3e86aaa95845a105da30f83"
    "2014fc2485b224b5301bcc8e473add9c8f77b3660871dff7e8168892961cf9079c677f6098dd"
    "2fba737c74c84049340e20ec87c6835c7700010200801c4258c245b6ff4a5de4941b88beb0e5"
    "9004e4e6b2cd10f18076d1858b3c5c1965fd10ff0f1ed7745cea55540f162a3b1b79c3f4cdb4"
    "399cb15190505b7b7236adaad91213a5bbce11e6c420f4084f94b0ab5f4b297911402d23344a"
    "0dacc9962685158719f524b8c7e6ac85d4593e5ba1a4957107da5089939946581576d2790804"
    "00801517ea48207c7bd6b693322a98bb076dc71a9fb3a775206c3433bdf06e7f2d41d1437397"
    "1271fd705a9713f3921760c585c2c3de8e1fcddf50de8cd3cc435bc3ee14729cd1df6c69d30d"
    "95cb06b96bbfde42f9e938084e01d6d48a1af38f71d309bbb8e1f4abb129de53bd03d0615681"
    "09fc03e72241fbebae3231a4997a419816030300040e000000";

// TLS 1.3 hello with an x25519 share: ServerHello (TLS_AES_128_GCM_SHA256,
// supported_versions 1.3, key_share x25519), ChangeCipherSpec, encrypted records.
// 737 bytes.
inline constexpr std::string_view kTls13ServerHelloFlight =
    "160303007a0200007603030ae1d9bf652654cf39e83272043f0bdc268ac5b7c44d54c3119e3b"
    "54cf1050a2205a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "130100002e002b0002030400330024001d00201f487297a3adce039be99aa0017167ec9b2652"
    "756a5f4b54d4de58ea74b5021a1403030001011703030017b16204517175d239aa08cfe10cee"
    "4bf359844747a6cfbe170303019cb63397a0086aefb1ac97e4a80da3270cde52e0c4d1388d76"
    "eba7d4d370d989fca8c0f13fb50eb3fc5d96ba37be68f26475c54234e14543f4efe67ba6ada6"
    "3f4fddf271bcdaac00f3a3321bbcbe97deb36083b0dafe9844488a8074602dc441da085b53dc"
    "4d8045c6ca96491da4409f659ff4f316994532a04c732d5c0caebdf12314c05e1bb45edee491"
    "8fc3c1ff88711c7aa3998ac25ac65bd2e6bfc46bf427e1fe311b14c15f1788abe323e2e96843"
    "758e853a7e9617e63dd89e95bc4e8269049b8a93af0eadc6b315580d1a59a1e7e3c97b465aaf"
    "8e9631bc796c5af0ec565942cc03d67a03c91333e3a99356ae569fb543c949aa5628ffa063ec"
    "9c174d7fddf52895988038c0ebf95c602f84ddf4919d82340f52101341611c79c159d36613d4"
    "2e5a2395ead5de47a91efb8b96e056276ddc6450123d72e00aeab70641e3e105709fcbdc022a"
    "a3498960184652ecf72c9a10523af427565140bbc18b443637656bdba24cad0603bd6ed93e64"
    "833f0712b7b1a7c4f378bf2018c063fa47b1faff0bdad5a124effbb07114ff3b98e3b75e812b"
    "fdb04317ca640215170303006032f7eb68c9d1b6e51cb52773fe1e50866f8d3739318a4e210e"
    "f07473784e209544c75c456b3b27b7534f725bb5f1f5a5571204877179ae6db3d7ea3c0a9689"
    "29362888c142ae97ad97eb528771e15add22f57cde2c1acb1e9dbde9427bfacb601703030035"
    "ac47ecd870d8e8d7c3f651763953d32a3db8c76db6e695108c18017290213991290be3a66807"
    "1977e950e1225d6c139ad837dc44c7";

// TLS 1.3 hello with an empty key_share: HelloRetryRequest (TLS_AES_128_GCM_SHA256,
// selected group x25519), ChangeCipherSpec.
// 99 bytes.
inline constexpr std::string_view kHelloRetryRequest =
    "1603030058020000540303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09"
    "e2c8a8339c205a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "130100000c002b0002030400330002001d140303000101";

// TLS 1.2 hello offering only TLS_RSA_WITH_RC4_128_SHA: fatal handshake_failure.
// 7 bytes.
inline constexpr std::string_view kAlertHandshakeFailure = "15030300020228";

// TLS 1.0 hello to a server whose minimum is TLS 1.2: fatal internal_error (80), in a
// record of version 0x0301.
// 7 bytes.
inline constexpr std::string_view kAlertInternalErrorTls10 = "15030100020250";

// SSLv3 hello (record version 0x0300): fatal handshake_failure in an SSLv3 record.
// 7 bytes.
inline constexpr std::string_view kAlertToSslv3Hello = "15030000020228";

// ---------------------------------------------------------------- hand-made

// SSLv3 ServerHello choosing TLS_RSA_EXPORT_WITH_RC4_40_MD5 (0x0003): record 0x0300,
// version 0x0300, random 11.., a 32-byte session id 22.., null compression, no extensions.
inline constexpr std::string_view kSslv3ExportServerHello =
    "160300004a"
    "02000046"
    "0300"
    "1111111111111111111111111111111111111111111111111111111111111111"
    "20"
    "2222222222222222222222222222222222222222222222222222222222222222"
    "0003"
    "00";

// The same ServerHello followed by the rest of an SSLv3 export flight: a Certificate
// (one 8-byte dummy certificate), a ServerKeyExchange (a dummy export RSA key, empty
// signature) and ServerHelloDone, each in its own record.
inline constexpr std::string_view kSslv3ExportFlightTail =
    "1603000012 0b00000e 00000b 000008 3006020101020101 "  // Certificate
    "160300000c 0c000008 0001ff 000103 0000 "              // ServerKeyExchange
    "1603000004 0e000000";                                 // ServerHelloDone

// SSLv2 SERVER-HELLO: no session-id hit, X.509 certificate (16 dummy bytes), version
// 0x0002, cipher specs SSL_CK_RC4_128_WITH_MD5 and SSL_CK_DES_192_EDE3_CBC_WITH_MD5,
// a 16-byte connection id. (Record header, then type, hit, cert type, version, cert
// length, specs length, connection-id length, and the three fields.)
inline constexpr std::string_view kSslv2ServerHello =
    "8031 04 00 01 0002 0010 0006 0010 "
    "3082000c0000000000000000000000ff "
    "010080 0700c0 "
    "cccccccccccccccccccccccccccccccc";

// SSLv2 ERROR NO-CIPHER-ERROR (0x0001).
inline constexpr std::string_view kSslv2NoCipherError = "8003 00 0001";

}  // namespace tlsfleet::test
