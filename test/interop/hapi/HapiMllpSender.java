import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Interop peer for hl7-router's tests: sends each message file (ER7, segments separated by CR) to an MLLP server
 * with HAPI's own client and prints, per message, a line "RESULT <sent MSH-10> <MSA-1> <MSA-2> <ERR-3.1 or ->"
 * read from the ACK as HAPI parsed it (HAPI's default validation on for ACKs). Any failure prints "FAIL <MSH-10> <reason>".
 * Usage: java HapiMllpSender host port file...
 */
public final class HapiMllpSender {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    // Outgoing messages are parsed leniently (real feeds break HAPI's primitive rules, e.g. non-US phone numbers);
    // every ACK is then re-parsed by a second context with HAPI's default validation on.
    try (HapiContext context = new DefaultHapiContext(ValidationContextFactory.noValidation());
        HapiContext strict = new DefaultHapiContext()) {
      PipeParser parser = context.getPipeParser();
      PipeParser strictParser = strict.getPipeParser();
      Connection connection = context.newClient(host, port, false);
      connection.getInitiator().setTimeout(20, java.util.concurrent.TimeUnit.SECONDS);
      for (int i = 2; i < args.length; i++) {
        String er7 = Files.readString(Path.of(args[i]), StandardCharsets.ISO_8859_1);
        Message sent = parser.parse(er7);
        String controlId = new Terser(sent).get("/MSH-10");
        try {
          Message ack = connection.getInitiator().sendAndReceive(sent);
          Message reparsed = strictParser.parse(parser.encode(ack)); // validated, and round-tripped through HAPI's encoder
          Terser terser = new Terser(reparsed);
          String err = ack.getName().equals("ACK") && terser.getSegment("/ERR") != null ? value(terser, ack) : "-";
          System.out.println("RESULT " + controlId + " " + terser.get("/MSA-1") + " " + terser.get("/MSA-2") + " " + err);
        } catch (Exception e) {
          System.out.println("FAIL " + controlId + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      connection.close();
    }
  }

  private static String value(Terser terser, Message ack) throws Exception {
    String version = ack.getVersion();
    String code = version.compareTo("2.5") >= 0 ? terser.get("/ERR-3-1") : terser.get("/ERR-1-4-1");
    return code == null || code.isEmpty() ? "-" : code;
  }
}
