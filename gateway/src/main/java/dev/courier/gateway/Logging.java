package dev.courier.gateway;

import java.net.URL;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;

/** Switches the log to JSON lines, for log collectors. */
final class Logging {

    private Logging() {}

    static void useJson() {
        final URL config = Logging.class.getClassLoader().getResource("logback-json.xml");
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext) || config == null) {
            throw new IllegalStateException("JSON logs need logback and logback-json.xml on the class path");
        }
        final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        final JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("Cannot read logback-json.xml", e);
        }
    }
}
