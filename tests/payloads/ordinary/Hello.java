// An ordinary Java program: a few threads (the JVM starts more), a collection, output.
import java.util.ArrayList;
import java.util.List;

public class Hello {
    public static void main(String[] args) throws Exception {
        List<Integer> xs = new ArrayList<>();
        Thread t = new Thread(() -> { for (int i = 0; i < 1000; i++) synchronized (xs) { xs.add(i); } });
        t.start();
        t.join();
        long sum = 0;
        for (int x : xs) sum += x;
        System.out.println("java ok " + sum);
    }
}
