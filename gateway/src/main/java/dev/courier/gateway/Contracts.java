package dev.courier.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

/**
 * The services of the contracts, read from the descriptor set that the proto module's build
 * writes: the gateway learns every method and message from it, so a method added to a .proto
 * file is served without gateway code.
 */
final class Contracts {

    /** Where the proto module puts the descriptor set (also where the documentation page finds it). */
    static final String DESCRIPTOR_SET = "META-INF/armeria/grpc/courier.dsc";

    private Contracts() {}

    /** Returns the services declared in the descriptor set on the class path. */
    static List<ServiceDescriptor> services() {
        final FileDescriptorSet set;
        try (InputStream in = Contracts.class.getClassLoader().getResourceAsStream(DESCRIPTOR_SET)) {
            if (in == null) {
                throw new IllegalStateException(DESCRIPTOR_SET + " is not on the class path");
            }
            set = FileDescriptorSet.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + DESCRIPTOR_SET, e);
        }
        final Map<String, FileDescriptorProto> protos = new HashMap<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            protos.put(proto.getName(), proto);
        }
        final Map<String, FileDescriptor> built = new HashMap<>();
        final List<ServiceDescriptor> services = new ArrayList<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            services.addAll(build(proto.getName(), protos, built).getServices());
        }
        return services;
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
                                        Map<String, FileDescriptor> built) {
        final FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        final FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            throw new IllegalStateException(DESCRIPTOR_SET + " lacks " + name);
        }
        final FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            dependencies[i] = build(proto.getDependency(i), protos, built);
        }
        try {
            final FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
            built.put(name, file);
            return file;
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException(DESCRIPTOR_SET + " holds an invalid " + name, e);
        }
    }
}
