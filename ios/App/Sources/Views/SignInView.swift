import CustomerServiceKit
import SwiftUI

struct SignInView: View {
    // SwiftUI keeps the first model for this view's life; the ones a re-render makes are closed when dropped.
    @State var model: Observed<SignInModel, SignInState>

    var body: some View {
        let s = model.state
        let send = model.model.send
        Form {
            Section {
                TextField("Email", text: Binding(get: { s.email }, set: { send(.emailChanged($0)) }))
                    .textContentType(.emailAddress).keyboardType(.emailAddress).textInputAutocapitalization(.never)
                if let e = s.emailError { Text(e).foregroundStyle(.red).font(.footnote) }
                SecureField("Password", text: Binding(get: { s.password }, set: { send(.passwordChanged($0)) }))
                    .textContentType(s.mode == .register ? .newPassword : .password)
                if let e = s.passwordError { Text(e).foregroundStyle(.red).font(.footnote) }
                if s.mode == .register {
                    TextField("Your name", text: Binding(get: { s.name }, set: { send(.nameChanged($0)) }))
                        .textContentType(.name)
                    if let e = s.nameError { Text(e).foregroundStyle(.red).font(.footnote) }
                }
            } header: {
                Text(s.mode == .register ? "Create an account" : "Sign in to continue")
            } footer: {
                Text(s.serverURL)
            }
            if let error = s.error { Text(error).foregroundStyle(.red) }
            Button(s.mode == .register ? "Register" : "Sign in") { send(.submit) }
                .disabled(!s.canSubmit)
            Button(s.mode == .register ? "I have an account" : "Create an account") { send(.toggleMode) }
            if s.busy { ProgressView() }
        }
    }
}
