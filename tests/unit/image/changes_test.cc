#include "image/changes.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

using json = nlohmann::json;

json applied(const std::vector<std::string>& changes) {
  json c = emptyContainerConfig();
  Status st = applyChanges(c, changes);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message());
  return c;
}

std::string failure(const std::vector<std::string>& changes) {
  json c = emptyContainerConfig();
  json before = c;
  Status st = applyChanges(c, changes);
  EXPECT_EQ(c, before) << "a failed change must leave the config alone";
  return st.ok() ? "" : st.error().message();
}

TEST(ChangesTest, EnvAndCmdAsDockerImportTakesThem) {
  json c = applied({"ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CMD [\"sh\"]"});
  EXPECT_EQ(c["Env"], json({"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}));
  EXPECT_EQ(c["Cmd"], json({"sh"}));
  EXPECT_TRUE(c["Entrypoint"].is_null());
}

TEST(ChangesTest, EnvForms) {
  json c =
      applied({"ENV A=1 B=\"two words\"", "ENV C three words", "ENV A=$B-x", "env D=${A:-no}"});
  EXPECT_EQ(c["Env"], json({"A=two words-x", "B=two words", "C=three words", "D=two words-x"}));
}

TEST(ChangesTest, ShellFormAndEntrypoint) {
  json c = applied({"CMD echo hi", "ENTRYPOINT [\"/bin/tini\", \"--\"]"});
  // ENTRYPOINT resets a CMD only when no CMD was given in the same changes.
  EXPECT_EQ(c["Cmd"], json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(c["Entrypoint"], json({"/bin/tini", "--"}));
  json d = applied({"ENTRYPOINT top -b"});
  EXPECT_EQ(d["Entrypoint"], json({"/bin/sh", "-c", "top -b"}));
  EXPECT_TRUE(d["Cmd"].is_null());
}

TEST(ChangesTest, OtherInstructions) {
  json c =
      applied({"EXPOSE 80/tcp 53/udp 8000-8001", "LABEL a=b \"c d\"=e", "VOLUME /data [\"/x\"]",
               "VOLUME [\"/y\", \"/z\"]", "WORKDIR /srv", "WORKDIR app/../www", "USER nobody",
               "STOPSIGNAL SIGQUIT", "ONBUILD RUN make", "HEALTHCHECK --interval=5s CMD true"});
  EXPECT_EQ(c["ExposedPorts"], json({{"80/tcp", json::object()},
                                     {"53/udp", json::object()},
                                     {"8000/tcp", json::object()},
                                     {"8001/tcp", json::object()}}));
  EXPECT_EQ(c["Labels"], json({{"a", "b"}, {"c d", "e"}}));
  EXPECT_TRUE(c["Volumes"].contains("/data"));
  EXPECT_TRUE(c["Volumes"].contains("/y"));
  EXPECT_TRUE(c["Volumes"].contains("/z"));
  EXPECT_EQ(c["WorkingDir"], "/srv/www");
  EXPECT_EQ(c["User"], "nobody");
  EXPECT_EQ(c["StopSignal"], "SIGQUIT");
  EXPECT_EQ(c["OnBuild"], json({"RUN make"}));
  EXPECT_EQ(c["Healthcheck"]["Test"], json({"CMD-SHELL", "true"}));
  EXPECT_EQ(c["Healthcheck"]["Interval"], 5000000000LL);
  EXPECT_EQ(applied({"HEALTHCHECK NONE"})["Healthcheck"]["Test"], json({"NONE"}));
}

TEST(ChangesTest, BadChangesAreRefusedWithDockerdsWords) {
  EXPECT_EQ(failure({"RUN echo"}), "run is not a valid change command");
  EXPECT_EQ(failure({"ENV A=1", "FROM x"}), "from is not a valid change command");
  EXPECT_EQ(failure({"ENV"}), "ENV requires at least one argument");
  EXPECT_EQ(failure({"ENV A=1 B"}),
            "Syntax error - can't find = in \"B\". Must be of the form: name=value");
  EXPECT_EQ(failure({"EXPOSE 70000"}), "invalid containerPort: 70000");
  EXPECT_EQ(failure({"STOPSIGNAL SIGNOPE"}), "Invalid signal: SIGNOPE");
  EXPECT_EQ(failure({"ONBUILD ONBUILD RUN x"}),
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
}

}  // namespace
}  // namespace berth::image
