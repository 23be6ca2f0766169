package bench;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;

/**
 * MLLP in, Kafka out: each message is written to the topic and, once the broker acknowledged it (acks=all,
 * idempotent producer, linger.ms=0), the MLLP consumer answers AA (autoAck). Arguments: port, brokers, topic.
 * Prints "listening" once the route runs.
 */
public final class CamelMllpKafka {
  public static void main(String[] args) throws Exception {
    String port = args[0];
    String brokers = args[1];
    String topic = args[2];
    Main main = new Main();
    main.configure().addRoutesBuilder(new RouteBuilder() {
      @Override
      public void configure() {
        from("mllp://127.0.0.1:" + port + "?autoAck=true&maxConcurrentConsumers=1000&backlog=1024&receiveTimeout=60000")
            .to("kafka:" + topic + "?brokers=" + brokers
                + "&requestRequiredAcks=all&enableIdempotence=true&lingerMs=0&maxRequestSize=17825792");
      }
    });
    main.addMainListener(new org.apache.camel.main.MainListenerSupport() {
      @Override
      public void afterStart(org.apache.camel.main.BaseMainSupport m) {
        System.out.println("listening");
      }
    });
    main.run();
  }
}
