package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.zaxxer.hikari.HikariConfig;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import com.zaxxer.hikari.HikariDataSource;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthCheckStatus;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import com.linecorp.armeria.server.healthcheck.ListenableHealthChecker;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import dev.courier.chat.Chat;
import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.threads.ThreadsGrpc;
import dev.courier.chat.store.JdbcChatStore;
import dev.courier.streams.Streams;
import dev.courier.streams.Tokens;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;
import dev.courier.streams.bus.NatsBus;
import dev.courier.streams.bus.Outbox;
import dev.courier.streams.server.EmbeddedDatabase;
import dev.courier.streams.store.TokenKeys;
import dev.courier.threads.StoreExecutor;
import dev.courier.threads.Threads;
import dev.courier.threads.store.JdbcThreadStore;

import io.grpc.BindableService;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;

/**
 * A running gateway: the services of this process on one port, as gRPC (with reflection and
 * health), as JSON, and on the documentation page at {@code /docs}.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Gateway.class);

    /** On stop, in-flight requests get this long to finish, after a short quiet period. */
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);
    private static final Duration QUIET_PERIOD = Duration.ofMillis(200);
    /**
     * How long {@link #close()} waits for the server to stop, beyond its graceful period, before it
     * closes the store anyway: a stop that never ends must not keep the process (and its port)
     * alive past a SIGTERM.
     */
    private static final Duration STOP_LIMIT = GRACEFUL_STOP.plusSeconds(5);

    /** The bounds, in milliseconds, of the request latency histogram's buckets. */
    private static final double[] LATENCY_BUCKETS_MILLIS =
            {0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    /**
     * Request metrics as Prometheus histograms rather than the percentiles computed per process
     * that they come with: percentiles of several nodes cannot be added up, bucket counts can, and
     * recording each request into five percentile sketches took about a microsecond of server CPU,
     * 3% of a CreateMessage call's. The total duration gets buckets; the other durations and the
     * lengths keep their count, sum and maximum.
     */
    private static final MeterFilter REQUEST_METRICS = new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            if (!id.getName().startsWith("courier.requests.")) {
                return config;
            }
            final DistributionStatisticConfig.Builder distribution =
                    DistributionStatisticConfig.builder().percentiles().percentilesHistogram(false);
            if (id.getName().equals("courier.requests.total.duration")) {
                final double[] nanos = new double[LATENCY_BUCKETS_MILLIS.length];
                for (int i = 0; i < nanos.length; i++) {
                    nanos[i] = LATENCY_BUCKETS_MILLIS[i] * 1e6;
                }
                distribution.serviceLevelObjectives(nanos);
            }
            return distribution.build().merge(config);
        }
    };

    private final Server server;
    private final io.grpc.Server inProcessServer;
    private final ManagedChannel inProcessChannel;
    private final ExecutorService storeExecutor;
    private final HikariDataSource dataSource;
    private final Bus bus;

    private final List<ManagedChannel> remotes;

    private Gateway(Server server, io.grpc.Server inProcessServer, ManagedChannel inProcessChannel,
                    List<ManagedChannel> remotes, ExecutorService storeExecutor, HikariDataSource dataSource,
                    Bus bus) {
        this.remotes = remotes;
        this.server = server;
        this.bus = bus;
        this.inProcessServer = inProcessServer;
        this.inProcessChannel = inProcessChannel;
        this.storeExecutor = storeExecutor;
        this.dataSource = dataSource;
    }

    /**
     * Opens the store, starts the services and listens.
     *
     * @throws GatewayStartException if the data directory, the database or the port cannot be used
     */
    public static Gateway start(GatewayConfig config) {
        return start(config, routes -> {});
    }

    /**
     * As {@link #start(GatewayConfig)}, with routes of an application that embeds the gateway:
     * {@code routes} may add services to the server, which are then served on the same port and
     * behind the same decorators (metrics, access log, error handler, request size limit). Their
     * paths win over the JSON gateway's catch-all. API keys are not checked for them: the
     * application decides who may call its own routes.
     *
     * @throws GatewayStartException if the data directory, the database or the port cannot be used
     */
    public static Gateway start(GatewayConfig config, Consumer<? super ServerBuilder> routes) {
        requireNonNull(config, "config");
        requireNonNull(routes, "routes");
        final Optional<ApiKeys> keys = apiKeys(config);
        final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.config().meterFilter(REQUEST_METRICS);
        final HikariDataSource dataSource = openDatabase(config, metrics);
        final ExecutorService storeExecutor =
                StoreExecutor.create("store", config.dbPoolSize(), config.storeQueueSize());
        final Bus bus;
        try {
            bus = openBus(config);
        } catch (GatewayStartException e) {
            storeExecutor.shutdownNow();
            dataSource.close();
            throw e;
        }
        io.grpc.Server inProcessServer = null;
        ManagedChannel inProcessChannel = null;
        final List<ManagedChannel> remotes = new ArrayList<>();
        try {
            final Tokens tokens = Tokens.of(TokenKeys.load(dataSource), Clock.systemUTC(), config.tokenTtl());
            final Auth auth = new Auth(keys, tokens);
            final Streams streams = config.streamsAddr().isPresent()
                                    ? null
                                    : Streams.builder()
                                             .bus(bus)
                                             .tokens(tokens)
                                             .namespace(Auth::namespace)
                                             .callerHasKey(Auth::hasKey)
                                             .subscriberQueueSize(config.streamQueueSize())
                                             .build();
            // Each service runs here, or on its own server that calls are forwarded to.
            final List<ServerServiceDefinition> services = List.of(
                    config.threadsAddr().isPresent()
                    ? remote(ThreadsGrpc.getServiceDescriptor(), config.threadsAddr().get(), remotes)
                    : Threads.builder()
                             .store(JdbcThreadStore.migrate(dataSource))
                             .executor(storeExecutor)
                             .namespace(Auth::namespace)
                             .build().bindService(),
                    config.chatAddr().isPresent()
                    ? remote(ChatGrpc.getServiceDescriptor(), config.chatAddr().get(), remotes)
                    : Chat.builder()
                          .store(JdbcChatStore.migrate(dataSource))
                          .bus(bus)
                          .executor(storeExecutor)
                          .namespace(Auth::namespace)
                          .connectionQueueSize(config.streamQueueSize())
                          .sendQueueSize(config.storeQueueSize())
                          .build().bindService(),
                    streams != null
                    ? streams.bindService()
                    : remote(StreamsGrpc.getServiceDescriptor(), config.streamsAddr().get(), remotes));
            // The tables are migrated: from here on, each commit is journaled before it is answered.
            EmbeddedDatabase.startJournal(dataSource);

            // Connect requests, WebSockets and JSON calls to forwarded services reach the services
            // through an in-process gRPC server; JSON calls to the services here go straight to
            // the handlers of the same definitions (LocalCall). Either way they meet the same
            // validation, interceptors and status handling as gRPC clients.
            final List<ServerServiceDefinition> guarded = new ArrayList<>();
            for (ServerServiceDefinition service : services) {
                guarded.add(ServerInterceptors.intercept(service, auth));
            }
            for (BindableService service : List.of(ProtoReflectionServiceV1.newInstance(), v1alphaReflection(),
                                                   new HealthStatusManager().getHealthService())) {
                guarded.add(ServerInterceptors.intercept(service, auth));
            }
            final String inProcessName = "gateway-" + UUID.randomUUID();
            final InProcessServerBuilder inProcess = InProcessServerBuilder.forName(inProcessName)
                                                                           .directExecutor();
            guarded.forEach(inProcess::addService);
            inProcessServer = inProcess.build().start();
            inProcessChannel = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();

            final List<ServiceDescriptor> contracts = Contracts.services();
            final Server server = server(config, keys, auth, metrics, dataSource, bus, services, inProcessChannel,
                                         JsonGateway.of(contracts, inProcessChannel, methods(guarded)),
                                         WebSocketBridge.of(contracts, inProcessChannel, config.pingInterval()),
                                         Optional.ofNullable(streams),
                                         ConnectBridge.of(inProcessServer.getServices(), inProcessChannel,
                                                          config.maxRequestBytes()),
                                         routes);
            server.start().join();
            return new Gateway(server, inProcessServer, inProcessChannel, remotes, storeExecutor, dataSource, bus);
        } catch (RuntimeException | IOException e) {
            if (inProcessChannel != null) {
                inProcessChannel.shutdownNow();
            }
            remotes.forEach(ManagedChannel::shutdownNow);
            if (inProcessServer != null) {
                inProcessServer.shutdownNow();
            }
            storeExecutor.shutdownNow();
            bus.close();
            dataSource.close();
            throw new GatewayStartException("cannot listen on " + config.host() + ':' + config.port() +
                                            ": " + e.getMessage(), e);
        }
    }

    private static Server server(GatewayConfig config, Optional<ApiKeys> keys, Auth auth,
                                 PrometheusMeterRegistry metrics, HikariDataSource dataSource, Bus bus,
                                 List<ServerServiceDefinition> services, Channel channel,
                                 JsonGateway json, WebSocketBridge webSockets,
                                 Optional<Streams> localStreams, ConnectBridge connect,
                                 Consumer<? super ServerBuilder> routes) {
        final ServerBuilder sb = Server.builder();
        if (GatewayConfig.LOOPBACK.equals(config.host())) {
            sb.localPort(config.port(), SessionProtocol.HTTP);
        } else {
            sb.port(new InetSocketAddress(config.host(), config.port()), SessionProtocol.HTTP);
        }
        // Health turns NOT_SERVING while the store or the bus is out of reach.
        final ListenableHealthChecker storeHealth = HealthChecker.of(
                () -> CompletableFuture.supplyAsync(() -> new HealthCheckStatus(reachable(dataSource), 2000),
                                                    CommonPools.blockingTaskExecutor()),
                Duration.ofSeconds(2));
        final ListenableHealthChecker busHealth = HealthChecker.of(
                () -> CompletableFuture.completedFuture(new HealthCheckStatus(bus.isConnected(), 1000)),
                Duration.ofSeconds(1));
        Gauge.builder("courier.store.up", storeHealth, checker -> checker.isHealthy() ? 1 : 0).register(metrics);
        Gauge.builder("courier.bus.up", bus, b -> b.isConnected() ? 1 : 0).register(metrics);
        // Subscribe sockets of a local Streams are fed from the bus, without a gRPC call each.
        final WebSocketService bridged = webSocketService(config, webSockets, json);
        final Optional<SubscribeSockets> subscribeSockets = localStreams.map(streams -> new SubscribeSockets(
                streams, auth, webSocketService(config, (ctx, in) -> {
                    throw new UnsupportedOperationException("SubscribeSockets writes its own frames");
                }, json), config.streamQueueSize(), config.pingInterval()));
        Gauge.builder("courier.bus.subscriptions", bus, Bus::subscriptions)
             .description("Bus subscriptions on this node: one per Chat.Connect and gRPC Subscribe stream, " +
                          "one per topic and event loop for WebSocket subscribers")
             .register(metrics);
        subscribeSockets.ifPresent(sockets -> Gauge.builder("courier.streams.websockets", sockets,
                                                            SubscribeSockets::subscribers)
                                                   .description("Streams.Subscribe WebSockets open on this node")
                                                   .register(metrics));
        FunctionCounter.builder("courier.streams.dropped", Outbox.class, unused -> Outbox.overflows())
                       .description("Streams ended because their client did not read (slow consumers)")
                       .register(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);

        if (config.accessLog() != AccessLog.Mode.OFF) {
            sb.decorator(new AccessLog(config.accessLog()));
        }
        sb.meterRegistry(metrics)
          // Requests, errors and latency per service, method and protocol (gRPC, HTTP, WebSocket).
          .decorator(MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("courier.requests")))
          // On stop: a short quiet period, then in-flight requests get up to ten seconds to finish.
          .gracefulShutdownTimeoutMillis(QUIET_PERIOD.toMillis(), GRACEFUL_STOP.toMillis())
          .bossGroupFactory(BossGroups::of);
        sb.maxRequestLength(config.maxRequestBytes())
          // Streams live as long as their clients; unary calls end by themselves.
          .requestTimeoutMillis(0)
          .errorHandler(new MicroErrorHandler(config.maxRequestBytes()))
          // Answers completed on store threads leave in one write per run of the event loop.
          .childChannelPipelineCustomizer(FlushBatching::install);

        final var grpc = GrpcService.builder();
        services.forEach(grpc::addService);
        // Reflection, both the v1 protocol and the v1alpha one that older clients (grpcurl among
        // them) ask, is answered by grpc-java's own services on the in-process server.
        grpc.addService(GrpcForwarder.forward(
                    io.grpc.reflection.v1.ServerReflectionGrpc.getServiceDescriptor(), channel))
            .addService(GrpcForwarder.forward(
                    io.grpc.reflection.v1alpha.ServerReflectionGrpc.getServiceDescriptor(), channel));
        grpc.addService(GrpcHealthCheckService.builder().checkers(storeHealth, busHealth).build());
        sb.service(grpc.intercept(auth).build());
        for (String path : connect.paths()) {
            sb.route().path(path).methods(HttpMethod.POST).consumes(ConnectBridge.contentTypes()).build(connect);
        }

        final WebSocketService fromBus = subscribeSockets.<WebSocketService>map(sockets -> sockets).orElse(bridged);
        for (String path : webSockets.paths()) {
            final WebSocketService webSocketService = SubscribeSockets.paths().contains(path) ? fromBus : bridged;
            sb.service(path, webSocketService.decorate(
                    (delegate, ctx, req) -> OriginCheck.allows(config, req.headers())
                                            ? delegate.serve(ctx, upgrades(req)
                                                                  ? req.mapData(new FrameLengthJoiner()) : req)
                                            : MicroError.of(HttpStatus.FORBIDDEN, "FORBIDDEN_ORIGIN",
                                                            "Origin " + req.headers().get("origin") +
                                                            " may not open WebSockets here")));
        }

        // With keys, the documentation (which can call every method) and the metrics need one too.
        sb.serviceUnder("/docs", adminOnly(keys, DocService.builder().build()));
        sb.service("/metrics", adminOnly(keys, (ctx, req) -> HttpResponse.of(
                HttpStatus.OK, MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), metrics.scrape())));
        sb.service("/health", HealthCheckService.builder().checkers(storeHealth, busHealth).build());
        routes.accept(sb);
        sb.service("/", (ctx, req) -> HttpResponse.ofRedirect("/docs/"));
        sb.serviceUnder("/", json);
        return sb.build();
    }

    /** Whether a request opens a WebSocket (HTTP/1.1 upgrade, or HTTP/2 extended CONNECT). */
    private static boolean upgrades(HttpRequest req) {
        return "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE)) ||
               req.method() == HttpMethod.CONNECT;
    }

    private static WebSocketService webSocketService(GatewayConfig config, WebSocketServiceHandler handler,
                                                     JsonGateway json) {
        return WebSocketService.builder(handler)
                               // Origins are checked where the service is bound, where a missing
                               // Origin is accepted.
                               .allowedOrigins("*")
                               .maxFramePayloadLength(config.maxRequestBytes())
                               .aggregateContinuation(true)
                               .fallbackService(json)
                               .build();
    }

    /**
     * A service that runs on its own server: each call is forwarded as it is, with the identity
     * this gateway established in place of the caller's credentials.
     */
    private static ServerServiceDefinition remote(io.grpc.ServiceDescriptor service, String address,
                                                  List<ManagedChannel> remotes) {
        final ManagedChannel channel = ManagedChannelBuilder.forTarget(address)
                                                            .usePlaintext()
                                                            .intercept(new IdentityForwarding())
                                                            .build();
        remotes.add(channel);
        return GrpcForwarder.forward(service, channel);
    }

    /** The methods of the given services, by full method name. */
    private static Map<String, ServerMethodDefinition<?, ?>> methods(List<ServerServiceDefinition> services) {
        final Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                methods.put(method.getMethodDescriptor().getFullMethodName(), method);
            }
        }
        return methods;
    }

    /** A page only key holders may see, when keys are configured. */
    private static HttpService adminOnly(Optional<ApiKeys> keys, HttpService page) {
        if (keys.isEmpty()) {
            return page;
        }
        return page.decorate((delegate, ctx, req) -> {
            final String key = Auth.bearer(req.headers().get("authorization", ""));
            final boolean valid = key != null && keys.get().namespaceOf(key).isPresent();
            return valid ? delegate.serve(ctx, req)
                         : MicroError.of(HttpStatus.UNAUTHORIZED, "MISSING_API_KEY",
                                         "This page needs authorization: Bearer <key>");
        });
    }

    private static boolean reachable(HikariDataSource dataSource) {
        try (java.sql.Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    /** Reads the API keys, and refuses to expose a server without them unless told to. */
    private static Optional<ApiKeys> apiKeys(GatewayConfig config) {
        if (!config.keyed()) {
            if (!config.loopbackOnly() && !config.insecureOpen()) {
                throw new GatewayStartException(
                        "refusing to listen on " + config.host() + " without API keys: set MICRO_API_KEYS " +
                        "or --api-keys-file, or pass --insecure-open to trust every caller", null);
            }
            logger.warn("No API keys are configured: every caller is trusted and may act in any namespace{}",
                        config.loopbackOnly() ? " (listening on loopback only)" : " (--insecure-open)");
            return Optional.empty();
        }
        try {
            return Optional.of(ApiKeys.load(config.apiKeys(), config.apiKeysFile()));
        } catch (RuntimeException e) {
            throw new GatewayStartException("invalid API keys: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("deprecation")
    private static BindableService v1alphaReflection() {
        return ProtoReflectionService.newInstance();
    }

    private static HikariDataSource openDatabase(GatewayConfig config, MeterRegistry metrics) {
        final HikariConfig hikari = new HikariConfig();
        hikari.setMetricRegistry(metrics);
        hikari.setMaximumPoolSize(config.dbPoolSize());
        hikari.setPoolName("store");
        // A lost database fails requests within seconds (UNAVAILABLE) instead of holding them.
        hikari.setConnectionTimeout(3000);
        if (config.databaseUrl().isEmpty()) {
            try {
                Files.createDirectories(config.dataDir());
            } catch (IOException e) {
                throw new GatewayStartException("cannot create the data directory " + config.dataDir() +
                                                ": " + e.getMessage(), e);
            }
            try {
                return new EmbeddedDatabase(config.dataDir().resolve("courier"), hikari, config.fsync());
            } catch (RuntimeException e) {
                throw new GatewayStartException("cannot open the database in " + config.dataDir() +
                                                " (is another server using it?): " + e.getMessage(), e);
            }
        }
        hikari.setJdbcUrl(config.databaseUrl().get());
        config.databaseUser().ifPresent(hikari::setUsername);
        config.databasePassword().ifPresent(hikari::setPassword);
        try {
            return new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new GatewayStartException("cannot connect to the database " +
                                            withoutCredentials(config.databaseUrl().get()) + ": " + e.getMessage(),
                                            e);
        }
    }

    private static Bus openBus(GatewayConfig config) {
        if (config.natsUrl().isEmpty()) {
            return new InProcessBus();
        }
        try {
            return NatsBus.connect(config.natsUrl().get());
        } catch (IOException e) {
            throw new GatewayStartException("cannot connect to NATS at " + config.natsUrl().get() + ": " +
                                            e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayStartException("interrupted while connecting to NATS", e);
        }
    }

    /** A JDBC URL as it may be logged: without a password parameter. */
    private static String withoutCredentials(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * Waits for the server's stop to complete, at most {@code limit}; returns whether it did. A stop
     * that fails has still ended.
     */
    static boolean awaitStop(CompletableFuture<?> stop, Duration limit) {
        try {
            stop.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            logger.warn("The server stopped with an error", e.getCause());
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The bus of this process. */
    Bus bus() {
        return bus;
    }

    /** The port the server listens on. */
    public int port() {
        return server.activeLocalPort();
    }

    /**
     * Blocks until the process is told to stop (SIGTERM, Ctrl-C), then closes this gateway before
     * the JVM exits: what a program that runs the gateway does once it has started it.
     */
    public void awaitShutdown() throws InterruptedException {
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }

    /** Stops accepting, finishes what is in flight, and closes the store. */
    @Override
    public void close() {
        // Streams end first, each with a clear UNAVAILABLE status, so the graceful stop below waits
        // only for unary requests in flight.
        bus.close();
        if (!awaitStop(server.stop(), STOP_LIMIT)) {
            logger.warn("The server did not stop within {} s; closing the store anyway", STOP_LIMIT.toSeconds());
        }
        inProcessChannel.shutdown();
        inProcessServer.shutdown();
        remotes.forEach(ManagedChannel::shutdown);
        storeExecutor.shutdown();
        try {
            if (!storeExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                logger.warn("Store calls still running after 10 seconds; closing the store anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dataSource.close();
    }
}
