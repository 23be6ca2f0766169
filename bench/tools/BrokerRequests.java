// The local broker's request rates by type over a window, from its JMX metrics (kafka.network RequestsPerSec and
// kafka.server MessagesInPerSec), through the JDK's attach API (no JMX port needed).
//   java bench/tools/BrokerRequests.java <broker pid> <seconds>      (jcmd -l lists the pid of kafka.Kafka)
import com.sun.tools.attach.VirtualMachine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class BrokerRequests {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    MBeanServerConnection broker =
        JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent())).getMBeanServerConnection();
    long seconds = Long.parseLong(args[1]);
    Map<String, Long> before = counts(broker);
    Thread.sleep(seconds * 1000);
    Map<String, Long> after = counts(broker);
    List<Map.Entry<String, Long>> rates = new ArrayList<>();
    for (Map.Entry<String, Long> e : after.entrySet())
      rates.add(Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)));
    rates.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    for (Map.Entry<String, Long> e : rates)
      if (e.getValue() > 0) System.out.printf("%9.1f/s %s%n", e.getValue() / (double) seconds, e.getKey());
  }

  private static Map<String, Long> counts(MBeanServerConnection broker) throws Exception {
    Map<String, Long> counts = new HashMap<>();
    for (ObjectName name : broker.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null))
      counts.merge(name.getKeyProperty("request"), (Long) broker.getAttribute(name, "Count"), Long::sum);
    for (ObjectName name : broker.queryNames(new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec"), null))
      counts.put("(records appended)", (Long) broker.getAttribute(name, "Count"));
    return counts;
  }
}
